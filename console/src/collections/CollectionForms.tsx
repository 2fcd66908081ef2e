import { Create, Edit, required, SimpleForm, TextInput } from 'react-admin';

const Form = () => (
  <SimpleForm sx={{ maxWidth: 560 }}>
    <TextInput source="name" validate={required()} fullWidth />
    <TextInput source="description" multiline fullWidth />
  </SimpleForm>
);

export const CollectionCreate = () => (
  <Create redirect="list">
    <Form />
  </Create>
);

export const CollectionEdit = () => (
  <Edit mutationMode="pessimistic">
    <Form />
  </Edit>
);
