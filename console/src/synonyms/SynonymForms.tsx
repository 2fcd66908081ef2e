import UploadFileIcon from '@mui/icons-material/UploadFile';
import { Button as MuiButton } from '@mui/material';
import { useRef } from 'react';
import { BooleanInput, Create, Edit, SimpleForm, TextInput, required, useInput, useNotify } from 'react-admin';
import { useSynonymText } from './synonym-messages';

/** Reads a synonyms file (Solr/Elasticsearch format, UTF-8) into the form; the engine checks it on save. */
function ImportFileButton() {
  const t = useSynonymText();
  const notify = useNotify();
  // the same form value as the text area below: loading a file fills it, the admin can still edit it
  const { field } = useInput({ source: 'content' });
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        ref={input}
        type="file"
        accept=".txt,text/plain"
        hidden
        data-testid="synonyms-file"
        onChange={async (e) => {
          const file = e.target.files?.[0];
          if (!file) return;
          field.onChange(await file.text());
          notify(t('imported', { name: file.name }), { type: 'info' });
          e.target.value = '';
        }}
      />
      <MuiButton startIcon={<UploadFileIcon />} onClick={() => input.current?.click()}>
        {t('import_file')}
      </MuiButton>
    </>
  );
}

function SynonymFields() {
  const t = useSynonymText();
  return (
    <>
      <TextInput source="name" label={t('name')} validate={required()} />
      <TextInput source="collection" label={t('collection')} helperText={t('collection_help')} />
      <BooleanInput source="enabled" label={t('enabled')} defaultValue />
      <ImportFileButton />
      <TextInput
        source="content"
        label={t('content')}
        helperText={t('content_help')}
        validate={required()}
        multiline
        minRows={10}
        fullWidth
        sx={{ '& textarea': { fontFamily: 'monospace' } }}
      />
    </>
  );
}

export function SynonymCreate() {
  return (
    <Create redirect="list">
      <SimpleForm>
        <SynonymFields />
      </SimpleForm>
    </Create>
  );
}

export function SynonymEdit() {
  return (
    <Edit redirect="list" mutationMode="pessimistic">
      <SimpleForm>
        <SynonymFields />
      </SimpleForm>
    </Edit>
  );
}
