import { useMediaQuery, type Theme } from '@mui/material';
import {
  Datagrid,
  FunctionField,
  List,
  NumberField,
  ReferenceInput,
  SelectInput,
  SimpleList,
  TextField,
  useTranslate,
  type RaRecord,
} from 'react-admin';
import { StatusChip } from '../common/StatusChip';
import { formatDuration } from '../common/format';
import { isLive } from './CrawlRunShow';
import { FrenchDateField } from '../common/FrenchDateField';
import { SourceNameField } from '../common/SourceNameField';

const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

function RunsGrid() {
  const narrow = useMediaQuery<Theme>((t) => t.breakpoints.down('md'));
  const translate = useTranslate();
  if (narrow) {
    return (
      <SimpleList
        primaryText={(r) => `#${r.id} · ${translate(`cite.status.${r.status}`)}`}
        secondaryText={(r) => `${r.indexed} ✓ · ${r.failed} ✗ · ${r.discovered}`}
        linkType="show"
      />
    );
  }
  return (
    <Datagrid rowClick="show" bulkActionButtons={false}>
      <TextField source="id" />
      <SourceNameField source="source_name" label="resources.crawl-runs.fields.source_id" sortable={false} />
      <StatusChip source="status" label="resources.crawl-runs.fields.status" />
      <NumberField source="discovered" sortable={false} />
      <NumberField source="indexed" sortable={false} />
      <NumberField source="unchanged" sortable={false} />
      <NumberField source="skipped" sortable={false} />
      <NumberField source="failed" sortable={false} />
      <FrenchDateField source="created_at" showTime />
      <FunctionField label="cite.runs.duration" render={(r: RaRecord) => formatDuration(r.started_at, r.finished_at)} />
    </Datagrid>
  );
}

/** The list refreshes itself while any run on the page is live. */
export function CrawlRunList() {
  const translate = useTranslate();
  return (
    <List
      sort={{ field: 'id', order: 'DESC' }}
      filters={[
        <ReferenceInput key="source_id" source="source_id" reference="sources" alwaysOn />,
        <SelectInput key="status" source="status" choices={RUN_STATUSES.map((s) => ({ id: s, name: translate(`cite.status.${s}`) }))} />,
      ]}
      queryOptions={{
        refetchInterval: (q: { state: { data?: { data?: RaRecord[] } } }) =>
          q.state.data?.data?.some((r) => isLive(r)) ? 2000 : false,
      }}
    >
      <RunsGrid />
    </List>
  );
}
