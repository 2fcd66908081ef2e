import { useQuery } from '@tanstack/react-query';
import {
  BooleanInput,
  Edit,
  FormDataConsumer,
  Labeled,
  SelectArrayInput,
  SelectInput,
  SimpleForm,
  TextField,
  required,
  useDataProvider,
  useRecordContext,
} from 'react-admin';
import { ROLE_CHOICES } from '../api-keys/roles';
import type { CiteDataProvider } from '../dataProvider/dataProvider';

/**
 * "Every collection" is a box of its own: an empty selection means no collection at all, which an admin
 * must not give by clearing the list without meaning to. The choices are the collections the dashboard
 * counts, which for an admin limited to some collections are only theirs (the engine refuses wider anyway).
 */
function CollectionsInput() {
  const record = useRecordContext();
  const dataProvider = useDataProvider<CiteDataProvider>();
  const { data } = useQuery({ queryKey: ['stats'], queryFn: () => dataProvider.stats() });
  const choices = (data?.collections ?? []).map((c) => ({ id: c.id, name: c.name }));
  return (
    <>
      <BooleanInput source="all_collections" defaultValue={record?.collections === null} />
      <FormDataConsumer>
        {({ formData }) => (formData.all_collections ? null : <SelectArrayInput source="collections" choices={choices} isLoading={!data} fullWidth />)}
      </FormDataConsumer>
    </>
  );
}

/** An admin changes a person's role and collections, or disables them (their sessions end at once). */
export function UserEdit() {
  return (
    <Edit
      mutationMode="pessimistic"
      transform={(d: Record<string, unknown>) => ({
        role: d.role,
        collections: d.all_collections ? null : ((d.collections as number[] | null) ?? []),
        disabled: d.disabled === true,
      })}
    >
      <SimpleForm sx={{ maxWidth: 560 }}>
        <Labeled>
          <TextField source="name" />
        </Labeled>
        <Labeled>
          <TextField source="email" />
        </Labeled>
        <SelectInput source="role" choices={ROLE_CHOICES} validate={required()} />
        <CollectionsInput />
        <BooleanInput source="disabled" />
      </SimpleForm>
    </Edit>
  );
}
