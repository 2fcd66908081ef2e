import { BooleanInput, Edit, SelectInput, SimpleForm, TextField, Labeled, required } from 'react-admin';
import { ROLE_CHOICES } from '../api-keys/roles';

/**
 * An admin changes a person's role, or disables them (their sessions end at once). Collections stay as they
 * are here (set by the claim mapping or the API's `collections`).
 */
export function UserEdit() {
  return (
    <Edit mutationMode="pessimistic" transform={(d: Record<string, unknown>) => ({ role: d.role, collections: d.collections ?? null, disabled: d.disabled === true })}>
      <SimpleForm sx={{ maxWidth: 560 }}>
        <Labeled>
          <TextField source="name" />
        </Labeled>
        <Labeled>
          <TextField source="email" />
        </Labeled>
        <SelectInput source="role" choices={ROLE_CHOICES} validate={required()} />
        <BooleanInput source="disabled" />
      </SimpleForm>
    </Edit>
  );
}
