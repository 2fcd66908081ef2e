import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import {
  Accordion,
  AccordionDetails,
  AccordionSummary,
  Box,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import { useTranslate } from 'react-admin';
import type { SearchResult } from './answer-types';

const BRANCHES = ['lexical', 'vector', 'fused', 'rerank'] as const;
const score = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(4));

/**
 * What retrieval did for this question (POST /v1/search with debug): for each passage, its rank
 * and score in the lexical and vector branches, after fusion and reranking, and stage timings.
 */
export function DebugPanel({ result }: { result: SearchResult }) {
  const translate = useTranslate();
  const present = BRANCHES.filter((b) => result.data.some((h) => h.ranks && h.ranks[b]));
  return (
    <Accordion sx={{ mt: 1 }} data-testid="debug-panel" disableGutters>
      <AccordionSummary expandIcon={<ExpandMoreIcon />}>
        <Typography variant="subtitle2">{translate('cite.ask.debug')}</Typography>
      </AccordionSummary>
      <AccordionDetails>
        <Typography variant="body2" sx={{ mb: 1 }}>
          {translate('cite.ask.timings')} :{' '}
          {Object.entries(result.timings ?? {})
            .map(([k, v]) => `${k} ${Math.round(Number(v) * 10) / 10} ms`)
            .join(' · ')}
        </Typography>
        <Box sx={{ overflowX: 'auto' }}>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>#</TableCell>
                <TableCell>{translate('resources.documents.fields.title')}</TableCell>
                {present.map((b) => (
                  <TableCell key={b} align="right">
                    {translate(`cite.ask.debug_branch.${b}`)}
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
                    {h.heading_path.length ? (
                      <Typography variant="caption" color="text.secondary" noWrap component="div">
                        {h.heading_path.join(' › ')}
                      </Typography>
                    ) : null}
                  </TableCell>
                  {present.map((b) => {
                    const r = h.ranks?.[b];
                    return (
                      <TableCell key={b} align="right" sx={{ whiteSpace: 'nowrap' }}>
                        {r ? `#${r.rank} · ${score(r.score)}` : '—'}
                      </TableCell>
                    );
                  })}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      </AccordionDetails>
    </Accordion>
  );
}
