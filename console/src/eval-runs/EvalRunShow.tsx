import CancelIcon from '@mui/icons-material/Cancel';
import { Box, MenuItem, TextField as MuiTextField, Typography } from '@mui/material';
import { useSearchParams } from 'react-router-dom';
import {
  Button,
  Datagrid,
  DeleteButton,
  FunctionField,
  Pagination,
  ReferenceField,
  ReferenceManyField,
  Show,
  SimpleShowLayout,
  TextField,
  TopToolbar,
  useGetList,
  useNotify,
  useRecordContext,
  useRefresh,
  type RaRecord,
} from 'react-admin';
import { JsonBlock } from '../common/JsonBlock';
import { StatusChip } from '../common/StatusChip';
import { formatDuration } from '../common/format';
import { ADMIN_API } from '../dataProvider/dataProvider';
import { callJson } from '../dataProvider/http-client';
import { AggregatesTable } from './AggregatesTable';
import { ComparisonView } from './ComparisonView';
import { formatMetric, useEvalText } from './eval-messages';
import { isLiveRun, RunProgressBar } from './RunProgressBar';
import { FrenchDateField } from '../common/FrenchDateField';

const LIVE_MS = 1500;

function CancelButton() {
  const record = useRecordContext();
  const t = useEvalText();
  const notify = useNotify();
  const refresh = useRefresh();
  if (!record || !isLiveRun(record)) return null;
  return (
    <Button
      label={t('cancel')}
      onClick={async () => {
        try {
          await callJson(`${ADMIN_API}/eval-runs/${record.id}/cancel`, { method: 'POST' });
          notify(t('cancelled'), { type: 'info' });
          refresh();
        } catch (e) {
          notify((e as Error).message, { type: 'error' });
        }
      }}
    >
      <CancelIcon />
    </Button>
  );
}

function RunActions() {
  return (
    <TopToolbar>
      <CancelButton />
      <DeleteButton mutationMode="pessimistic" />
    </TopToolbar>
  );
}

/** Picks the baseline (kept in the URL, so a comparison can be shared); defaults to none. */
function Comparison() {
  const record = useRecordContext();
  const t = useEvalText();
  const [params, setParams] = useSearchParams();
  const { data: runs = [] } = useGetList('eval-runs', { sort: { field: 'id', order: 'DESC' }, pagination: { page: 1, perPage: 100 }, filter: { status: 'succeeded' } });
  if (!record) return null;
  const baseline = Number(params.get('baseline')) || undefined;
  const metric = params.get('metric') ?? 'ndcg@10';
  const choices = runs.filter((r) => r.id !== record.id);
  return (
    <Box>
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', mb: 1 }}>
        <MuiTextField
          select
          size="small"
          label={t('compare_with')}
          value={baseline ?? ''}
          onChange={(e) => {
            params.set('baseline', String(e.target.value));
            setParams(params, { replace: true });
          }}
          sx={{ minWidth: 320 }}
          slotProps={{ htmlInput: { 'data-testid': 'eval-baseline' } }}
        >
          {choices.map((r) => (
            <MenuItem key={r.id} value={r.id}>
              #{r.id} · {r.name} · nDCG@10 {formatMetric('ndcg@10', r.aggregates?.['ndcg@10'])}
            </MenuItem>
          ))}
        </MuiTextField>
        <MuiTextField
          select
          size="small"
          label={t('metric')}
          value={metric}
          onChange={(e) => {
            params.set('metric', String(e.target.value));
            setParams(params, { replace: true });
          }}
          sx={{ minWidth: 200 }}
        >
          {['ndcg@10', 'recall@10', 'recall@50', 'mrr@10', 'citation_precision', 'gold_recall', 'judge_correctness'].map((m) => (
            <MenuItem key={m} value={m}>
              {m}
            </MenuItem>
          ))}
        </MuiTextField>
      </Box>
      {baseline ? <ComparisonView candidateId={Number(record.id)} baselineId={baseline} metric={metric} /> : <Typography variant="body2">{t('compare_pick')}</Typography>}
    </Box>
  );
}

function bestRank(r: RaRecord): string {
  const ranks = Object.values((r.phrasings?.[0]?.gold_ranks ?? {}) as Record<string, number>);
  return ranks.length ? String(Math.min(...ranks)) : '—';
}

export function EvalRunShow() {
  const t = useEvalText();
  return (
    <Show actions={<RunActions />} queryOptions={{ refetchInterval: (q: { state: { data?: RaRecord } }) => (isLiveRun(q.state.data) ? LIVE_MS : false) }}>
      <SimpleShowLayout>
        <TextField source="name" label={t('name')} />
        <ReferenceField source="set_id" reference="eval-sets" label={t('set')} link="show" />
        <StatusChip source="status" label={t('status')} />
        <RunProgressBar label={t('progress')} />
        <TextField source="error" label={t('error_text')} emptyText="—" />
        <FunctionField label={t('duration')} render={(r: RaRecord) => formatDuration(r.started_at, r.finished_at)} />
        <FrenchDateField source="created_at" label={t('created_at')} showTime />
        <FunctionField label={t('aggregates')} render={(r: RaRecord) => <AggregatesTable aggregates={r.aggregates ?? {}} />} />
        <FunctionField label={t('compare')} render={() => <Comparison />} />
        <FunctionField label={t('config')} render={(r: RaRecord) => <JsonBlock value={r.config} />} />
        <ReferenceManyField reference="eval-results" target="run_id" sort={{ field: 'id', order: 'ASC' }} perPage={25} pagination={<Pagination />} label={t('results')}>
          <Datagrid bulkActionButtons={false} expand={<ResultDetail />} empty={<Typography variant="body2">—</Typography>}>
            <TextField source="external_id" label={t('external_id')} />
            <TextField source="question" label={t('question')} />
            <StatusChip source="status" label={t('status')} />
            <FunctionField label="nDCG@10" render={(r: RaRecord) => formatMetric('ndcg@10', r.metrics?.['ndcg@10'])} />
            <FunctionField label="Recall@10" render={(r: RaRecord) => formatMetric('recall@10', r.metrics?.['recall@10'])} />
            <FunctionField label="MRR@10" render={(r: RaRecord) => formatMetric('mrr@10', r.metrics?.['mrr@10'])} />
            <FunctionField label={t('best_rank')} render={bestRank} />
            <FunctionField label={t('latency')} render={(r: RaRecord) => formatMetric('latency', r.latency_ms)} />
            <TextField source="error" label={t('error_text')} emptyText="" />
          </Datagrid>
        </ReferenceManyField>
      </SimpleShowLayout>
    </Show>
  );
}

/** A question's phrasings with their figures and top documents, and its answer when measured. */
function ResultDetail() {
  const record = useRecordContext();
  const t = useEvalText();
  if (!record) return null;
  return (
    <Box sx={{ py: 1 }}>
      {(record.phrasings as Array<{ q: string; results: string[]; gold_ranks: Record<string, number>; metrics: Record<string, number> }>).map((p, i) => (
        <Box key={i} sx={{ mb: 1 }}>
          <Typography variant="body2" sx={{ fontWeight: 600 }}>
            {p.q} — nDCG@10 {formatMetric('ndcg@10', p.metrics['ndcg@10'])}
          </Typography>
          {p.results.map((u, j) => (
            <Typography key={j} variant="caption" component="div" sx={{ fontWeight: u in p.gold_ranks ? 700 : 400, wordBreak: 'break-all' }}>
              {j + 1}. {u}
            </Typography>
          ))}
        </Box>
      ))}
      {record.answer && (
        <Box sx={{ mt: 1 }}>
          <Typography variant="body2" sx={{ fontWeight: 600 }}>
            {t('answers')}
          </Typography>
          <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap' }}>
            {record.answer.answer}
          </Typography>
          <JsonBlock value={{ metrics: record.metrics, citations: record.answer.citations, judge: record.answer.judge }} />
        </Box>
      )}
    </Box>
  );
}
