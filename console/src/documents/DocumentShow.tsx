import OpenInNewIcon from '@mui/icons-material/OpenInNew';
import RefreshIcon from '@mui/icons-material/Refresh';
import { Box, Typography } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import {
  Button,
  Datagrid,
  DeleteWithConfirmButton,
  FunctionField,
  Labeled,
  NumberField,
  Pagination,
  ReferenceField,
  ReferenceManyField,
  Show,
  TabbedShowLayout,
  TextField,
  TopToolbar,
  useDataProvider,
  useNotify,
  useRecordContext,
  useRefresh,
  useTranslate,
  type RaRecord,
} from 'react-admin';
import { JsonBlock } from '../common/JsonBlock';
import { StatusChip } from '../common/StatusChip';
import { formatLocator, locatorHref } from '../common/format';
import type { CiteDataProvider } from '../dataProvider/dataProvider';
import { sourceClick } from '../common/open-original';
import { FrenchDateField } from '../common/FrenchDateField';
import { SourceNameField } from '../common/SourceNameField';

export function ReindexButton() {
  const record = useRecordContext();
  const dataProvider = useDataProvider<CiteDataProvider>();
  const notify = useNotify();
  const refresh = useRefresh();
  const { mutate, isPending } = useMutation({
    mutationFn: () => dataProvider.reindexDocument(record!.id),
    onSuccess: () => {
      notify('cite.documents.reindexed', { type: 'info' });
      refresh();
    },
    onError: (e: Error) => notify('cite.errors.generic', { type: 'error', messageArgs: { message: e.message } }),
  });
  if (!record) return null;
  return (
    <Button label="cite.documents.reindex" onClick={() => mutate()} disabled={isPending || record.status === 'deleted'}>
      <RefreshIcon />
    </Button>
  );
}

/** `link` is what a reader opens: the page's address, or the engine's copy of a file (never its file:// path). */
function OpenOriginal() {
  const record = useRecordContext();
  const notify = useNotify();
  const href = String(record?.link ?? '');
  if (!/^(https?:\/\/|\/v1\/documents\/)/.test(href)) return null;
  return (
    <Button
      label="cite.documents.open"
      href={href}
      onClick={sourceClick(href, (e) => notify((e as Error).message, { type: 'error' }))}
      target="_blank"
      rel="noopener noreferrer"
      component="a"
    >
      <OpenInNewIcon />
    </Button>
  );
}

function DocumentTitle() {
  const record = useRecordContext();
  return <span>{record?.title || record?.url || ''}</span>;
}

function Metadata() {
  const record = useRecordContext();
  return <JsonBlock value={record?.metadata ?? {}} />;
}

/** Chunks of the document: what search and answers actually see, with where each comes from. */
function Chunks() {
  const translate = useTranslate();
  const doc = useRecordContext();
  return (
    <ReferenceManyField
      reference="chunks"
      target="document_id"
      sort={{ field: 'ord', order: 'ASC' }}
      perPage={25}
      pagination={<Pagination rowsPerPageOptions={[25, 50, 100]} />}
    >
      <Datagrid bulkActionButtons={false} rowClick={false} data-testid="chunks" sx={{ '& td': { verticalAlign: 'top' } }}>
        <NumberField source="ord" sortable={false} />
        <FunctionField
          source="heading_path"
          sortable={false}
          render={(r: RaRecord) => (Array.isArray(r.heading_path) ? r.heading_path.join(' › ') : '')}
        />
        <FunctionField
          source="locator"
          sortable={false}
          render={(r: RaRecord) => {
            const label = formatLocator(r.locator, translate);
            if (!label) return '—';
            return doc?.link ? (
              <a href={locatorHref(String(doc.link), r.locator)} onClick={sourceClick(locatorHref(String(doc.link), r.locator))} target="_blank" rel="noopener noreferrer">
                {label}
              </a>
            ) : (
              label
            );
          }}
        />
        <NumberField source="token_count" sortable={false} />
        <FunctionField
          source="text"
          sortable={false}
          render={(r: RaRecord) => (
            <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap', maxWidth: 720 }}>
              {String(r.text ?? '')}
            </Typography>
          )}
        />
      </Datagrid>
    </ReferenceManyField>
  );
}

export function DocumentShow() {
  const translate = useTranslate();
  return (
    <Show
      title={<DocumentTitle />}
      actions={
        <TopToolbar>
          <OpenOriginal />
          <ReindexButton />
          <DeleteWithConfirmButton mutationMode="pessimistic" redirect="list" />
        </TopToolbar>
      }
    >
      <TabbedShowLayout>
        <TabbedShowLayout.Tab label={translate('resources.documents.name', { smart_count: 1 })}>
          <TextField source="title" />
          {/* a file's identity (file:///…) is shown, not linked: only `link` opens */}
          <TextField source="url" sx={{ wordBreak: 'break-all' }} />
          <ReferenceField source="source_id" reference="sources" link="show" emptyText="—">
            <SourceNameField />
          </ReferenceField>
          <TextField source="collection" label="resources.documents.fields.collection_id" />
          <TextField source="error" emptyText="—" />
          <TextField source="format" />
          <TextField source="lang" />
          <StatusChip source="status" label="resources.documents.fields.status" />
          <NumberField source="chunk_count" />
          <TextField source="description" emptyText="—" />
          <FrenchDateField source="published_at" showTime emptyText="—" />
          <FrenchDateField source="modified_at" showTime emptyText="—" />
          <FrenchDateField source="fetched_at" showTime emptyText="—" />
          <FrenchDateField source="updated_at" showTime emptyText="—" />
          <Labeled label="cite.documents.metadata">
            <Box sx={{ width: '100%' }}>
              <Metadata />
            </Box>
          </Labeled>
        </TabbedShowLayout.Tab>
        <TabbedShowLayout.Tab label="cite.documents.chunks" path="chunks">
          <Chunks />
        </TabbedShowLayout.Tab>
      </TabbedShowLayout>
    </Show>
  );
}
