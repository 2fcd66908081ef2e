import { Create, Edit, SimpleForm, TextInput, required } from 'react-admin';
import { useEvalText } from '../eval-runs/eval-messages';

function SetFields() {
  const t = useEvalText();
  return (
    <>
      <TextInput source="name" label={t('name')} validate={required()} fullWidth />
      <TextInput source="description" label={t('description')} multiline minRows={2} fullWidth />
    </>
  );
}

export function EvalSetCreate() {
  return (
    <Create redirect="show">
      <SimpleForm>
        <SetFields />
      </SimpleForm>
    </Create>
  );
}

export function EvalSetEdit() {
  return (
    <Edit redirect="show" mutationMode="pessimistic">
      <SimpleForm>
        <SetFields />
      </SimpleForm>
    </Edit>
  );
}
