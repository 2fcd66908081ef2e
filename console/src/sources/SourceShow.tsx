import {
  BooleanField,
  Datagrid,
  EditButton,
  NumberField,
  ReferenceManyField,
  SelectField,
  Show,
  SimpleShowLayout,
  TextField,
  TopToolbar,
  useTranslate,
  Pagination,
} from 'react-admin';
import { StatusChip } from '../common/StatusChip';
import { StringListField } from '../common/StringListField';
import { SOURCE_KINDS, RENDER_MODES } from './source-fields';
import { CrawlNowButton, DeleteSourceButton, ToggleEnabledButton } from './source-actions';
import { SourceTitle } from './SourceTitle';
import { FrenchDateField } from '../common/FrenchDateField';
import { SourceNameField } from '../common/SourceNameField';

export function SourceShow() {
  const translate = useTranslate();
  return (
    <Show
      title={<SourceTitle />}
      actions={
        <TopToolbar>
          <CrawlNowButton />
          <ToggleEnabledButton />
          <EditButton />
          <DeleteSourceButton />
        </TopToolbar>
      }
    >
      <SimpleShowLayout>
        <SourceNameField source="name" />
        <SelectField source="kind" choices={SOURCE_KINDS.map((k) => ({ id: k, name: `cite.sources.kinds.${k}` }))} />
        <TextField source="collection" />
        <StatusChip source="status" label="resources.sources.fields.status" />
        <BooleanField source="enabled" />
        <StringListField source="start_urls" label="resources.sources.fields.config.start_urls" />
        <StringListField source="include" label="resources.sources.fields.config.include" />
        <StringListField source="exclude" label="resources.sources.fields.config.exclude" />
        <NumberField source="max_depth" label="resources.sources.fields.config.max_depth" />
        <NumberField source="max_pages" label="resources.sources.fields.config.max_pages" />
        <NumberField source="rate_per_host" label="resources.sources.fields.config.rate" />
        <SelectField source="render" label="resources.sources.fields.config.render" choices={RENDER_MODES.map((m) => ({ id: m, name: `cite.sources.render.${m}` }))} />
        <TextField source="schedule" emptyText="—" />
        <FrenchDateField source="next_run_at" showTime emptyText="—" />
        <ReferenceManyField
          reference="crawl-runs"
          target="source_id"
          label={translate('resources.crawl-runs.name', { smart_count: 2 })}
          sort={{ field: 'id', order: 'DESC' }}
          perPage={10}
          pagination={<Pagination rowsPerPageOptions={[10]} />}
        >
          <Datagrid rowClick="show" bulkActionButtons={false}>
            <TextField source="id" />
            <StatusChip source="status" label="resources.crawl-runs.fields.status" />
            <NumberField source="indexed" />
            <NumberField source="unchanged" />
            <NumberField source="failed" />
            <FrenchDateField source="created_at" showTime />
          </Datagrid>
        </ReferenceManyField>
      </SimpleShowLayout>
    </Show>
  );
}
