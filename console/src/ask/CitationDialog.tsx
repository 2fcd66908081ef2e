import OpenInNewIcon from '@mui/icons-material/OpenInNew';
import { Box, Button, Dialog, DialogActions, DialogContent, DialogTitle, Link, Typography } from '@mui/material';
import { useNotify, useTranslate } from 'react-admin';
import { sourceClick } from '../common/open-original';
import { citationHref, formatLocator } from '../common/format';
import type { Citation } from './answer-types';

/** The quoted passage of one citation, where it sits in its source, and a link to that exact place. */
export function CitationDialog({ citation, onClose }: { citation: Citation | null; onClose: () => void }) {
  const translate = useTranslate();
  const notify = useNotify();
  if (!citation) return null;
  const where = formatLocator(citation.locator, translate);
  const href = citationHref(citation);
  // an uploaded file opens through the engine with the signed-in key, never with the key in the URL
  const open = sourceClick(href, (e) => notify((e as Error).message, { type: 'error' }));
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="md" aria-labelledby="citation-title" data-testid="citation-dialog">
      <DialogTitle id="citation-title">
        {translate('cite.ask.citation', { n: citation.n })} — {citation.title || citation.url}
      </DialogTitle>
      <DialogContent>
        {citation.heading_path?.length ? (
          <Typography variant="body2" color="text.secondary" gutterBottom>
            {citation.heading_path.join(' › ')}
          </Typography>
        ) : null}
        {where && (
          <Typography variant="body2" color="text.secondary" gutterBottom>
            {where}
          </Typography>
        )}
        <Typography variant="subtitle2" component="h3" sx={{ mt: 1 }}>
          {translate('cite.ask.quote')}
        </Typography>
        <Box
          component="blockquote"
          sx={{ m: 0, my: 1, pl: 2, borderLeft: 4, borderColor: 'primary.main', whiteSpace: 'pre-wrap' }}
          data-testid="citation-quote"
        >
          {citation.quote || citation.text}
        </Box>
        <Link href={href} onClick={open} target="_blank" rel="noopener noreferrer" sx={{ wordBreak: 'break-all' }} data-testid="citation-link">
          {citation.url}
        </Link>
      </DialogContent>
      <DialogActions>
        <Button href={href} onClick={open} target="_blank" rel="noopener noreferrer" startIcon={<OpenInNewIcon />} data-testid="citation-open">
          {translate('cite.common.open_source')}
        </Button>
        <Button variant="contained" onClick={onClose} autoFocus>
          {translate('ra.action.close')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
