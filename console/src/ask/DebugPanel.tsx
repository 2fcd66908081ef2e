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
import type { AnswerResult, SearchResult } from './answer-types';

const BRANCHES = ['lexical', 'vector', 'fused', 'rerank'] as const;
const score = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(4));

/** A relevance figure as text, whatever its type: rounded numbers, listed arrays, JSON for the rest. */
export function figure(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
  if (Array.isArray(v)) return v.length ? v.map((x) => (typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x))).join(', ') : '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** True when the answer carries retrieval details worth a debug panel of their own. */
export function hasRetrievalDetails(answer: AnswerResult | undefined): boolean {
  return Boolean(answer && (answer.retrieval_query || answer.abstain_reason || answer.relevance));
}

/**
 * What retrieval did for this question: the query actually searched (a follow-up made standalone,
 * not the words typed), why Cité declined and the relevance gate's figures when the answer has them,
 * then the debug search (POST /v1/search with debug, run on that same query): for each passage, its
 * rank and score in the lexical and vector branches, after fusion and reranking, and stage timings.
 */
export function DebugPanel({ result, answer, query }: { result?: SearchResult; answer?: AnswerResult; query?: string }) {
  const translate = useTranslate();
  const hits = result?.data ?? [];
  const present = BRANCHES.filter((b) => hits.some((h) => h.ranks && h.ranks[b]));
  const searched = answer?.retrieval_query ?? query;
  const relevance = answer?.relevance && typeof answer.relevance === 'object' ? Object.entries(answer.relevance) : [];
  return (
    <Accordion sx={{ mt: 1 }} data-testid="debug-panel" disableGutters>
      <AccordionSummary expandIcon={<ExpandMoreIcon />}>
        <Typography variant="subtitle2">{translate('cite.ask.debug')}</Typography>
      </AccordionSummary>
      <AccordionDetails>
        {searched ? (
          <Typography variant="body2" sx={{ mb: 1 }} data-testid="debug-retrieval-query">
            {translate('cite.ask.retrieval_query')} :{' '}
            <Box component="q" sx={{ fontFamily: 'monospace', overflowWrap: 'anywhere' }}>
              {searched}
            </Box>
          </Typography>
        ) : null}
        {answer?.abstain_reason ? (
          <Typography variant="body2" sx={{ mb: 1 }} data-testid="debug-abstain-reason">
            {translate('cite.ask.abstain_reason')} : {translate(`cite.ask.abstain_reasons.${answer.abstain_reason}`, { _: answer.abstain_reason })}
          </Typography>
        ) : null}
        {relevance.length > 0 && (
          <Box sx={{ mb: 1 }} data-testid="debug-relevance">
            <Typography variant="body2">{translate('cite.ask.relevance')} :</Typography>
            <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'max-content minmax(0, 1fr)', columnGap: 2, rowGap: 0.25, m: 0, ml: 2 }}>
              {relevance.map(([k, v]) => (
                <Box key={k} sx={{ display: 'contents' }}>
                  <Typography component="dt" variant="body2" color="text.secondary">
                    {translate(`cite.ask.relevance_fields.${k}`, { _: k })}
                  </Typography>
                  <Typography component="dd" variant="body2" sx={{ m: 0, overflowWrap: 'anywhere' }}>
                    {figure(v)}
                  </Typography>
                </Box>
              ))}
            </Box>
          </Box>
        )}
        {result && (
          <Typography variant="body2" sx={{ mb: 1 }}>
            {translate('cite.ask.timings')} :{' '}
            {Object.entries(result.timings ?? {})
              .map(([k, v]) => `${k} ${Math.round(Number(v) * 10) / 10} ms`)
              .join(' · ')}
          </Typography>
        )}
        {result && (
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
                {hits.map((h, i) => (
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
        )}
      </AccordionDetails>
    </Accordion>
  );
}
