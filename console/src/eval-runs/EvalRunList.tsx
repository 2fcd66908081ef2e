import CompareArrowsIcon from '@mui/icons-material/CompareArrows';
import { useMediaQuery, type Theme } from '@mui/material';
import {
  Button,
  Datagrid,
  FunctionField,
  List,
  ReferenceField,
  ReferenceInput,
  SelectInput,
  SimpleList,
  TextField,
  useListContext,
  useNotify,
  useRedirect,
  useTranslate,
  type RaRecord,
} from 'react-admin';
import { StatusChip } from '../common/StatusChip';
import { formatMetric, useEvalText } from './eval-messages';
import { isLiveRun, RunProgressBar } from './RunProgressBar';
import { FrenchDateField } from '../common/FrenchDateField';

const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

/** With two runs selected: the older is the baseline, the newer the candidate. */
function CompareSelected() {
  const { selectedIds } = useListContext();
  const t = useEvalText();
  const redirect = useRedirect();
  const notify = useNotify();
  return (
    <Button
      label={t('compare_two')}
      onClick={() => {
        if (selectedIds.length !== 2) return notify(t('select_two'), { type: 'warning' });
        const [a, b] = [...selectedIds].map(Number).sort((x, y) => x - y);
        redirect(`/eval-runs/${b}/show?baseline=${a}`);
      }}
    >
      <CompareArrowsIcon />
    </Button>
  );
}

export function EvalRunList() {
  const t = useEvalText();
  const translate = useTranslate();
  const narrow = useMediaQuery<Theme>((theme) => theme.breakpoints.down('md'));
  return (
    <List
      title={t('runs')}
      sort={{ field: 'id', order: 'DESC' }}
      filters={[
        <ReferenceInput key="set_id" source="set_id" reference="eval-sets" alwaysOn label={t('set')} />,
        <SelectInput key="status" source="status" label={t('status')} choices={STATUSES.map((s) => ({ id: s, name: s }))} />,
      ]}
      queryOptions={{
        refetchInterval: (q: { state: { data?: { data?: RaRecord[] } } }) => (q.state.data?.data?.some((r) => isLiveRun(r)) ? 2000 : false),
      }}
    >
      {narrow ? (
        <SimpleList
          primaryText={(r) => `#${r.id} · ${r.name}`}
          secondaryText={(r) => `${translate(`cite.status.${r.status}`, { _: String(r.status) })} · nDCG@10 ${formatMetric('ndcg@10', r.aggregates?.['ndcg@10'])}`}
          linkType="show"
        />
      ) : (
        <Datagrid rowClick="show" bulkActionButtons={<CompareSelected />}>
          <TextField source="id" />
          <TextField source="name" label={t('name')} />
          <ReferenceField source="set_id" reference="eval-sets" label={t('set')} link="show" />
          <StatusChip source="status" label={t('status')} />
          <FunctionField label={t('progress')} render={() => <RunProgressBar />} />
          <FunctionField label={t('mode')} render={(r: RaRecord) => t(`modes.${r.config?.mode}`)} />
          <FunctionField label="nDCG@10" render={(r: RaRecord) => formatMetric('ndcg@10', r.aggregates?.['ndcg@10'])} />
          <FunctionField label="Recall@10" render={(r: RaRecord) => formatMetric('recall@10', r.aggregates?.['recall@10'])} />
          <FunctionField label="MRR@10" render={(r: RaRecord) => formatMetric('mrr@10', r.aggregates?.['mrr@10'])} />
          <FrenchDateField source="created_at" label={t('created_at')} showTime />
        </Datagrid>
      )}
    </List>
  );
}
