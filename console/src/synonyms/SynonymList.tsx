import { BooleanField, CreateButton, Datagrid, FunctionField, List, NumberField, TextField, TopToolbar } from 'react-admin';
import { FrenchDateField } from '../common/FrenchDateField';
import { useSynonymText } from './synonym-messages';

export function SynonymList() {
  const t = useSynonymText();
  return (
    <List title={t('title')} sort={{ field: 'id', order: 'ASC' }} actions={<TopToolbar><CreateButton /></TopToolbar>}>
      <Datagrid rowClick="edit" bulkActionButtons={false}>
        <TextField source="name" label={t('name')} />
        <FunctionField source="collection" label={t('collection')} render={(r: { collection: string | null }) => r.collection ?? t('global')} />
        <NumberField source="rules" label={t('rules')} sortable={false} />
        <BooleanField source="enabled" label={t('enabled')} sortable={false} />
        <FrenchDateField source="updated_at" label={t('updated_at')} showTime />
      </Datagrid>
    </List>
  );
}
