import { useMediaQuery, type Theme } from '@mui/material';
import {
  BooleanField,
  BooleanInput,
  CreateButton,
  Datagrid,
  EditButton,
  List,
  SearchInput,
  SelectField,
  SelectInput,
  SimpleList,
  TextField,
  TopToolbar,
  useTranslate,
} from 'react-admin';
import { StatusChip } from '../common/StatusChip';
import { LastRunField } from './LastRunField';
import { SOURCE_KINDS, SOURCE_STATUSES } from './source-fields';
import { CrawlNowButton, ToggleEnabledButton } from './source-actions';
import { FrenchDateField } from '../common/FrenchDateField';
import { SourceNameField } from '../common/SourceNameField';
import { sourceName } from '../common/format';

function useSourceFilters() {
  const translate = useTranslate();
  return [
    <SearchInput key="q" source="q" alwaysOn />,
    <SelectInput key="kind" source="kind" choices={SOURCE_KINDS.map((k) => ({ id: k, name: translate(`cite.sources.kinds.${k}`) }))} />,
    <SelectInput key="status" source="status" choices={SOURCE_STATUSES.map((s) => ({ id: s, name: translate(`cite.status.${s}`) }))} />,
    <BooleanInput key="enabled" source="enabled" />,
  ];
}

export function SourceList() {
  const translate = useTranslate();
  const narrow = useMediaQuery<Theme>((t) => t.breakpoints.down('md'));
  return (
    <List
      filters={useSourceFilters()}
      sort={{ field: 'id', order: 'DESC' }}
      actions={
        <TopToolbar>
          <CreateButton />
        </TopToolbar>
      }
    >
      {narrow ? (
        <SimpleList
          primaryText={(r) => sourceName(r.name, translate)}
          secondaryText={(r) => `${translate(`cite.sources.kinds.${r.kind}`)} · ${translate(`cite.status.${r.status}`)}`}
          tertiaryText={(r) => r.collection}
          linkType="show"
        />
      ) : (
        <Datagrid rowClick="show" bulkActionButtons={false}>
          <SourceNameField source="name" />
          <SelectField source="kind" choices={SOURCE_KINDS.map((k) => ({ id: k, name: `cite.sources.kinds.${k}` }))} />
          <TextField source="collection" sortable={false} />
          <StatusChip source="status" label="resources.sources.fields.status" />
          <BooleanField source="enabled" sortable={false} />
          <LastRunField label="cite.sources.last_run" sortable={false} />
          <FrenchDateField source="next_run_at" showTime sortable={false} />
          <CrawlNowButton />
          <ToggleEnabledButton />
          <EditButton />
        </Datagrid>
      )}
    </List>
  );
}
