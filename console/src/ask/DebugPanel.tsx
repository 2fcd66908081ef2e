import { Accordion, AccordionDetails, AccordionSummary, Box, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import { useTranslate } from 'react-admin';
import type { SearchResult } from './answer-types';

const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : v == null ? '—' : String(v));

/** What retrieval did for this question: each branch's rank and score per passage, and stage timings. */
export function DebugPanel({ result }: { result: SearchResult }) {
  const translate = useTranslate();
  const rankKeys = [...new Set(result.data.flatMap((h) => Object.keys(h.ranks ?? {})))];
  const scoreKeys = [...new Set(result.data.flatMap((h) => Object.keys(h.scores ?? {})))];
  return (
    <Accordion sx={{ mt: 1 }} data-testid="debug-panel" disableGutters>
      <AccordionSummary expandIcon={<ExpandMoreIcon />}>
        <Typography variant="subtitle2">{translate('cite.ask.debug')}</Typography>
      </AccordionSummary>
      <AccordionDetails>
        {result.timings && (
          <Typography variant="body2" sx={{ mb: 1 }}>
            {translate('cite.ask.timings')} :{' '}
            {Object.entries(result.timings)
              .map(([k, v]) => `${k} ${Math.round(Number(v))} ms`)
              .join(' · ')}
          </Typography>
        )}
        <Box sx={{ overflowX: 'auto' }}>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>#</TableCell>
                <TableCell>{translate('resources.documents.fields.title')}</TableCell>
                <TableCell align="right">{translate('cite.ask.debug_score')}</TableCell>
                {rankKeys.map((k) => (
                  <TableCell key={`r-${k}`} align="right">
                    {translate(`cite.ask.debug_rank_${k}`, { _: `rank ${k}` })}
                  </TableCell>
                ))}
                {scoreKeys.map((k) => (
                  <TableCell key={`s-${k}`} align="right">
                    {k}
                  </TableCell>
                ))}
              </TableRow>
            </TableHead>
            <TableBody>
              {result.data.map((h, i) => (
                <TableRow key={String(h.chunk_id)}>
                  <TableCell>{i + 1}</TableCell>
                  <TableCell sx={{ maxWidth: 360 }}>
                    <Typography variant="body2" noWrap title={h.document.url}>
                      {h.document.title || h.document.url}
                    </Typography>
                    {h.heading_path?.length ? (
                      <Typography variant="caption" color="text.secondary" noWrap component="div">
                        {h.heading_path.join(' › ')}
                      </Typography>
                    ) : null}
                  </TableCell>
                  <TableCell align="right">{fmt(h.score)}</TableCell>
                  {rankKeys.map((k) => (
                    <TableCell key={`r-${k}`} align="right">
                      {fmt(h.ranks?.[k])}
                    </TableCell>
                  ))}
                  {scoreKeys.map((k) => (
                    <TableCell key={`s-${k}`} align="right">
                      {fmt(h.scores?.[k])}
                    </TableCell>
                  ))}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      </AccordionDetails>
    </Accordion>
  );
}
