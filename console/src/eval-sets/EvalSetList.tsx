import { useMediaQuery, type Theme } from '@mui/material';
import {
  CreateButton,
  Datagrid,
  FunctionField,
  List,
  NumberField,
  SearchInput,
  SimpleList,
  TextField,
  TopToolbar,
  type RaRecord,
} from 'react-admin';
import { useEvalText } from '../eval-runs/eval-messages';
import { ImportButton } from './ImportDialog';
import { FrenchDateField } from '../common/FrenchDateField';

export function EvalSetList() {
  const t = useEvalText();
  const narrow = useMediaQuery<Theme>((theme) => theme.breakpoints.down('md'));
  return (
    <List
      title={t('sets')}
      // an empty list keeps its toolbar: importing is how most sets begin
      empty={false}
      sort={{ field: 'id', order: 'DESC' }}
      filters={[<SearchInput key="q" source="q" alwaysOn />]}
      actions={
        <TopToolbar>
          <CreateButton />
          <ImportButton />
        </TopToolbar>
      }
    >
      {narrow ? (
        <SimpleList primaryText={(r) => r.name} secondaryText={(r) => `${r.item_count} · ${t(`origins.${r.origin}`)}`} linkType="show" />
      ) : (
        <Datagrid rowClick="show" bulkActionButtons={false}>
          <TextField source="id" />
          <TextField source="name" label={t('name')} />
          <FunctionField source="origin" label={t('origin')} render={(r: RaRecord) => t(`origins.${r.origin}`)} />
          <NumberField source="item_count" label={t('item_count')} sortable={false} />
          <FunctionField label={t('last_run')} render={(r: RaRecord) => (r.last_run_id ? `#${r.last_run_id}` : '—')} />
          <FrenchDateField source="updated_at" label={t('updated_at')} showTime />
        </Datagrid>
      )}
    </List>
  );
}
