import { UploadButton } from './UploadDialog';
import { useMediaQuery, type Theme } from '@mui/material';
import {
  Datagrid,
  List,
  NumberField,
  ReferenceInput,
  SearchInput,
  SelectInput,
  SimpleList,
  TextField,
  TopToolbar,
  useTranslate,
} from 'react-admin';
import { StatusChip } from '../common/StatusChip';
import { FrenchDateField } from '../common/FrenchDateField';
import { SourceNameField } from '../common/SourceNameField';

const FORMATS = ['html', 'pdf', 'docx', 'xml', 'service-public', 'jsonl', 'text', 'markdown'];
const STATUSES = ['active', 'deleted', 'error'];

export function DocumentList() {
  const translate = useTranslate();
  const narrow = useMediaQuery<Theme>((t) => t.breakpoints.down('md'));
  return (
    <List
      sort={{ field: 'id', order: 'DESC' }}
      filters={[
        <SearchInput key="q" source="q" alwaysOn placeholder={translate('cite.documents.search')} />,
        <ReferenceInput key="source_id" source="source_id" reference="sources" />,
        <SelectInput key="format" source="format" choices={FORMATS.map((f) => ({ id: f, name: f }))} />,
        <SelectInput key="status" source="status" choices={STATUSES.map((s) => ({ id: s, name: translate(`cite.status.${s}`) }))} />,
      ]}
      actions={
        <TopToolbar>
          <UploadButton />
        </TopToolbar>
      }
    >
      {narrow ? (
        <SimpleList primaryText={(r) => r.title || r.url} secondaryText={(r) => r.url} tertiaryText={(r) => String(r.chunk_count ?? '')} linkType="show" />
      ) : (
        <Datagrid rowClick="show" bulkActionButtons={false}>
          <TextField source="title" />
          <TextField source="url" sortable={false} sx={{ wordBreak: 'break-all' }} />
          <SourceNameField source="source_name" label="resources.documents.fields.source_id" sortable={false} />
          <TextField source="collection" label="resources.documents.fields.collection_id" sortable={false} />
          <TextField source="format" sortable={false} />
          <NumberField source="chunk_count" sortable={false} />
          <StatusChip source="status" label="resources.documents.fields.status" />
          <FrenchDateField source="fetched_at" showTime sortable={false} emptyText="—" />
        </Datagrid>
      )}
    </List>
  );
}
