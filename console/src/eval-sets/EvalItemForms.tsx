import {
  ArrayInput,
  Create,
  Edit,
  NumberInput,
  SelectInput,
  SimpleForm,
  SimpleFormIterator,
  TextInput,
  required,
  type RaRecord,
} from 'react-admin';
import { useEvalText } from '../eval-runs/eval-messages';

const toLines = (v: unknown) => (Array.isArray(v) ? v.join('\n') : '');
const fromLines = (v: string) =>
  String(v ?? '')
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
const backToSet = (_resource?: string, _id?: unknown, data?: Partial<RaRecord>) => `eval-sets/${data?.set_id}/show`;

/** Question, its other phrasings (one per line), gold URLs with grades, expected answer. */
function ItemFields({ creating }: { creating?: boolean }) {
  const t = useEvalText();
  const grades = [0, 1, 2, 3].map((g) => ({ id: g, name: t(`grades.${g}`) }));
  return (
    <>
      {creating && <NumberInput source="set_id" label={t('set')} validate={required()} readOnly />}
      <TextInput source="external_id" label={t('external_id')} helperText={false} />
      <TextInput source="question" label={t('question')} validate={required()} fullWidth multiline />
      <TextInput source="phrasings" label={t('phrasings')} format={toLines} parse={fromLines} multiline minRows={2} fullWidth helperText={false} />
      <ArrayInput source="gold" label={t('gold')}>
        <SimpleFormIterator inline disableReordering>
          <TextInput source="url" label={t('url')} validate={required()} sx={{ minWidth: 480 }} helperText={false} />
          <SelectInput source="grade" label={t('grade')} choices={grades} defaultValue={2} validate={required()} helperText={false} />
        </SimpleFormIterator>
      </ArrayInput>
      <TextInput source="expected_answer" label={t('expected_answer')} multiline minRows={2} fullWidth parse={(v: string) => (v ? v : null)} />
    </>
  );
}

export function EvalItemCreate() {
  return (
    <Create redirect={backToSet}>
      <SimpleForm defaultValues={{ phrasings: [], gold: [] }}>
        <ItemFields creating />
      </SimpleForm>
    </Create>
  );
}

export function EvalItemEdit() {
  return (
    <Edit redirect={backToSet} mutationMode="pessimistic">
      <SimpleForm>
        <ItemFields />
      </SimpleForm>
    </Edit>
  );
}
