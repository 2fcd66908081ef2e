import { Alert, Box, Chip, CircularProgress, Link, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { QuestionChange, RunComparison } from '@cite/retrieval/eval/eval-runs-compare.js';
import { ADMIN_API } from '../dataProvider/dataProvider';
import { callJson } from '../dataProvider/http-client';
import { formatMetric, useEvalText, useMetricLabel } from './eval-messages';

/** Metrics between 0 and 1 go on the chart; latencies and counts would flatten it. */
const CHARTED = ['ndcg@10', 'recall@10', 'recall@50', 'mrr@10', 'citation_precision', 'gold_recall', 'unsupported_rate', 'abstention_rate', 'span_containment', 'judge_correctness', 'judge_support_rate'];

function Delta({ value, improved, metric }: { value: number | null; improved: boolean | null; metric: string }) {
  if (value === null) return <>—</>;
  const sign = value > 0 ? '+' : '';
  const colour = improved === null ? 'text.secondary' : improved ? 'success.main' : 'error.main';
  return (
    <Box component="span" sx={{ color: colour, fontWeight: improved === null ? 400 : 600 }}>
      {sign}
      {formatMetric(metric, value)}
    </Box>
  );
}

function rank(r: number | null, t: (k: string) => string) {
  return r === null ? t('not_found') : String(r);
}

function ChangeList({ title, changes, count, metric, testId }: { title: string; changes: QuestionChange[]; count: number; metric: string; testId: string }) {
  const t = useEvalText();
  return (
    <Box data-testid={testId} sx={{ mt: 2 }}>
      <Typography variant="subtitle1">
        {title} ({count})
      </Typography>
      {changes.length === 0 ? (
        <Typography variant="body2">{t('none_changed')}</Typography>
      ) : (
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t('question')}</TableCell>
              <TableCell align="right">{t('baseline')}</TableCell>
              <TableCell align="right">{t('candidate')}</TableCell>
              <TableCell align="right">{t('delta')}</TableCell>
              <TableCell>{t('best_rank')}</TableCell>
              <TableCell>{t('top_results')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {changes.map((c) => (
              <TableRow key={c.external_id} data-question={c.external_id}>
                <TableCell>
                  <Typography variant="body2">{c.question}</Typography>
                  <Typography variant="caption" color="text.secondary">
                    {c.external_id}
                  </Typography>
                </TableCell>
                <TableCell align="right">{formatMetric(metric, c.baseline.value)}</TableCell>
                <TableCell align="right">{formatMetric(metric, c.candidate.value)}</TableCell>
                <TableCell align="right">
                  <Delta value={c.delta} improved={c.delta > 0 === (metric !== 'unsupported_rate' && metric !== 'abstention_rate')} metric={metric} />
                </TableCell>
                <TableCell>
                  <Chip size="small" variant="outlined" label={`${rank(c.baseline.best_gold_rank, t)} → ${rank(c.candidate.best_gold_rank, t)}`} />
                </TableCell>
                <TableCell sx={{ maxWidth: 420 }}>
                  <Stack spacing={0.25}>
                    {c.candidate.results.slice(0, 5).map((u, i) => (
                      <Link key={`${u}-${i}`} href={u} target="_blank" rel="noreferrer noopener" variant="caption" sx={{ fontWeight: u in c.candidate.gold_ranks ? 700 : 400, wordBreak: 'break-all' }}>
                        {i + 1}. {u.replace(/^https?:\/\//, '')}
                      </Link>
                    ))}
                  </Stack>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Box>
  );
}

/** Two runs side by side: aggregates with deltas, a chart, and the questions that moved. */
export function ComparisonView({ candidateId, baselineId, metric = 'ndcg@10' }: { candidateId: number; baselineId: number; metric?: string }) {
  const t = useEvalText();
  const label = useMetricLabel();
  const { data, error, isPending } = useQuery({
    queryKey: ['eval-compare', candidateId, baselineId, metric],
    queryFn: () => callJson<RunComparison>(`${ADMIN_API}/eval-runs/${candidateId}/compare?baseline=${baselineId}&metric=${encodeURIComponent(metric)}`),
  });
  if (isPending) return <CircularProgress size={24} />;
  if (error || !data) return <Alert severity="error">{(error as Error)?.message}</Alert>;
  const chart = data.metrics
    .filter((m) => CHARTED.includes(m.metric) && (m.baseline !== null || m.candidate !== null))
    .map((m) => ({ metric: label(m.metric), baseline: m.baseline, candidate: m.candidate }));
  return (
    <Box data-testid="eval-comparison">
      {!data.same_set && (
        <Alert severity="warning" sx={{ mb: 1 }}>
          {t('different_sets')}
        </Alert>
      )}
      <Table size="small" sx={{ maxWidth: 720 }} data-testid="eval-comparison-metrics">
        <TableHead>
          <TableRow>
            <TableCell>{t('metric')}</TableCell>
            <TableCell align="right">
              {t('baseline')} #{data.baseline.id}
            </TableCell>
            <TableCell align="right">
              {t('candidate')} #{data.candidate.id}
            </TableCell>
            <TableCell align="right">{t('delta')}</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {data.metrics.map((m) => (
            <TableRow key={m.metric} data-metric={m.metric}>
              <TableCell>{label(m.metric)}</TableCell>
              <TableCell align="right">{formatMetric(m.metric, m.baseline)}</TableCell>
              <TableCell align="right">{formatMetric(m.metric, m.candidate)}</TableCell>
              <TableCell align="right">
                <Delta value={m.delta} improved={m.improved} metric={m.metric} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>

      {chart.length > 0 && (
        <Box sx={{ width: '100%', maxWidth: 900, height: 300, mt: 2 }} data-testid="eval-comparison-chart" role="img" aria-label={t('chart')}>
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={chart} margin={{ top: 8, right: 8, left: -8, bottom: 0 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="metric" fontSize={11} interval={0} />
              <YAxis domain={[0, 1]} fontSize={11} />
              <Tooltip formatter={(v: unknown) => (typeof v === 'number' ? v.toFixed(3) : String(v))} />
              <Legend />
              <Bar dataKey="baseline" name={`${t('baseline')} #${data.baseline.id}`} fill="#929292" />
              <Bar dataKey="candidate" name={`${t('candidate')} #${data.candidate.id}`} fill="#000091" />
            </BarChart>
          </ResponsiveContainer>
        </Box>
      )}

      <ChangeList title={t('regressed')} changes={data.regressed} count={data.regressed_count} metric={data.metric} testId="eval-regressed" />
      <ChangeList title={t('improved')} changes={data.improved} count={data.improved_count} metric={data.metric} testId="eval-improved" />
      <Typography variant="body2" sx={{ mt: 1 }}>
        {t('unchanged', { n: data.unchanged })}
      </Typography>
    </Box>
  );
}
