import { Datagrid, FunctionField, List, SearchInput, SelectField, TextField, useTranslate, type RaRecord } from 'react-admin';
import { ROLE_CHOICES } from '../api-keys/roles';
import { FrenchDateField } from '../common/FrenchDateField';

const filters = [<SearchInput key="q" source="q" alwaysOn />];

/** People who signed in with the OpenID Connect provider; a row opens the form that changes their rights. */
export function UserList() {
  const translate = useTranslate();
  return (
    <List filters={filters} sort={{ field: 'last_sign_in_at', order: 'DESC' }}>
      <Datagrid rowClick="edit" bulkActionButtons={false}>
        <TextField source="name" />
        <TextField source="email" />
        <SelectField source="role" choices={ROLE_CHOICES} />
        <FunctionField
          source="collections"
          render={(r: RaRecord) => (r.collections === null ? translate('cite.common.all') : (r.collections as number[]).join(', ') || translate('cite.common.none'))}
        />
        <FrenchDateField source="last_sign_in_at" />
        <FunctionField source="disabled" render={(r: RaRecord) => translate(r.disabled ? 'cite.users.disabled' : 'cite.users.active')} />
      </Datagrid>
    </List>
  );
}
