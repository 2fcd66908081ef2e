import { Table, TableBody, TableCell, TableHead, TableRow } from '@mui/material';
import { formatMetric, useEvalText, useMetricLabel } from './eval-messages';

const SHOWN = ['ndcg@10', 'recall@10', 'recall@50', 'mrr@10', 'citation_precision', 'gold_recall', 'unsupported_rate', 'abstention_rate', 'cited_rate', 'span_containment', 'judge_correctness', 'judge_support_rate', 'latency_p50', 'latency_p95', 'latency_p99', 'answer_latency_p50', 'answer_latency_p95', 'questions', 'retrieval_questions', 'answer_questions', 'phrasings', 'errors'];

/** A run's aggregates, in a stable order; metrics the run did not measure are left out. */
export function AggregatesTable({ aggregates }: { aggregates: Record<string, number> }) {
  const t = useEvalText();
  const label = useMetricLabel();
  const names = [...SHOWN.filter((m) => m in aggregates), ...Object.keys(aggregates).filter((m) => !SHOWN.includes(m))];
  return (
    <Table size="small" data-testid="eval-aggregates" sx={{ maxWidth: 520 }}>
      <TableHead>
        <TableRow>
          <TableCell>{t('metric')}</TableCell>
          <TableCell align="right">{t('value')}</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {names.map((m) => (
          <TableRow key={m} data-metric={m}>
            <TableCell>{label(m)}</TableCell>
            <TableCell align="right">{formatMetric(m, aggregates[m])}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
