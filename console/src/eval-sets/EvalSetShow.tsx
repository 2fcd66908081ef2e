import DownloadIcon from '@mui/icons-material/Download';
import { Typography } from '@mui/material';
import {
  Button,
  CreateButton,
  Datagrid,
  DeleteButton,
  EditButton,
  FunctionField,
  Pagination,
  ReferenceManyField,
  Show,
  SimpleShowLayout,
  TextField,
  TopToolbar,
  useNotify,
  useRecordContext,
  type RaRecord,
} from 'react-admin';
import { StatusChip } from '../common/StatusChip';
import { ADMIN_API } from '../dataProvider/dataProvider';
import { getSession } from '../dataProvider/session';
import { formatMetric, useEvalText } from '../eval-runs/eval-messages';
import { StartRunButton } from '../eval-runs/StartRunDialog';
import { ImportButton } from './ImportDialog';
import { FrenchDateField } from '../common/FrenchDateField';

/** Downloads the set as JSONL (the export needs the API key, so it is fetched, not linked). */
function ExportButton() {
  const record = useRecordContext();
  const t = useEvalText();
  const notify = useNotify();
  if (!record) return null;
  const download = async () => {
    const res = await fetch(`${ADMIN_API}/eval-sets/${record.id}/export`, { headers: { Authorization: `Bearer ${getSession()?.key ?? ''}` } });
    if (!res.ok) {
      notify(`${res.status} ${res.statusText}`, { type: 'error' });
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = `eval-set-${record.id}.jsonl`;
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <Button label={t('export')} onClick={download}>
      <DownloadIcon />
    </Button>
  );
}

function SetActions() {
  const record = useRecordContext();
  if (!record) return null;
  return (
    <TopToolbar>
      <StartRunButton setId={Number(record.id)} setLabel={String(record.name)} />
      <ImportButton setId={Number(record.id)} />
      <ExportButton />
      <EditButton />
      <DeleteButton mutationMode="pessimistic" />
    </TopToolbar>
  );
}

function AddQuestionButton() {
  const record = useRecordContext();
  const t = useEvalText();
  if (!record) return null;
  return <CreateButton resource="eval-items" label={t('add_question')} state={{ record: { set_id: record.id, phrasings: [], gold: [] } }} />;
}

export function EvalSetShow() {
  const t = useEvalText();
  return (
    <Show actions={<SetActions />}>
      <SimpleShowLayout>
        <TextField source="name" label={t('name')} />
        <TextField source="description" label={t('description')} emptyText="—" />
        <FunctionField label={t('origin')} render={(r: RaRecord) => t(`origins.${r.origin}`)} />
        <FrenchDateField source="updated_at" label={t('updated_at')} showTime />

        <Typography variant="h6" sx={{ mt: 2 }}>
          {t('runs')}
        </Typography>
        <ReferenceManyField reference="eval-runs" target="set_id" sort={{ field: 'id', order: 'DESC' }} perPage={10} pagination={<Pagination />} label={false}>
          <Datagrid rowClick="show" bulkActionButtons={false} empty={<Typography variant="body2">—</Typography>}>
            <TextField source="id" />
            <TextField source="name" label={t('name')} sortable={false} />
            <StatusChip source="status" label={t('status')} />
            <FunctionField label={t('mode')} render={(r: RaRecord) => t(`modes.${r.config?.mode}`)} />
            <FunctionField label="nDCG@10" render={(r: RaRecord) => formatMetric('ndcg@10', r.aggregates?.['ndcg@10'])} />
            <FunctionField label="MRR@10" render={(r: RaRecord) => formatMetric('mrr@10', r.aggregates?.['mrr@10'])} />
            <FrenchDateField source="created_at" label={t('created_at')} showTime />
          </Datagrid>
        </ReferenceManyField>

        <Typography variant="h6" sx={{ mt: 2 }}>
          {t('items')}
        </Typography>
        <AddQuestionButton />
        <ReferenceManyField reference="eval-items" target="set_id" sort={{ field: 'position', order: 'ASC' }} perPage={25} pagination={<Pagination />} label={false}>
          <Datagrid bulkActionButtons={false} rowClick="edit" empty={<Typography variant="body2">—</Typography>}>
            <TextField source="external_id" label={t('external_id')} />
            <TextField source="question" label={t('question')} />
            <FunctionField label={t('phrasings')} render={(r: RaRecord) => (r.phrasings?.length ? r.phrasings.length : '—')} />
            <FunctionField
              label={t('gold')}
              render={(r: RaRecord) =>
                (r.gold as Array<{ url: string; grade: number }>).map((g) => (
                  <div key={g.url}>
                    <a href={g.url} target="_blank" rel="noreferrer noopener" onClick={(e) => e.stopPropagation()}>
                      {g.url.replace(/^https?:\/\//, '')}
                    </a>{' '}
                    ({g.grade})
                  </div>
                ))
              }
            />
            <FunctionField label={t('expected_answer')} render={(r: RaRecord) => (r.expected_answer ? String(r.expected_answer).slice(0, 120) : '—')} />
            <EditButton />
            <DeleteButton mutationMode="pessimistic" redirect={false} />
          </Datagrid>
        </ReferenceManyField>
      </SimpleShowLayout>
    </Show>
  );
}
