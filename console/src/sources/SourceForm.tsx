import { Typography } from '@mui/material';
import {
  BooleanInput,
  CheckboxGroupInput,
  FormDataConsumer,
  NumberInput,
  required,
  SelectInput,
  SimpleForm,
  TextInput,
  useTranslate,
  type SimpleFormProps,
} from 'react-admin';
import {
  DILA_NATURES,
  linesToList,
  listToLines,
  RENDER_MODES,
  SOURCE_KINDS,
  validateCron,
  validateRange,
  validateUrls,
  wordsToList,
} from './source-fields';

function Section({ label }: { label: string }) {
  const translate = useTranslate();
  return (
    <Typography variant="subtitle1" component="h2" sx={{ mt: 2, fontWeight: 600 }}>
      {translate(label)}
    </Typography>
  );
}

/** Every crawl setting of a source, in the order an admin thinks about them. */
export function SourceForm({ isCreate, ...props }: Omit<SimpleFormProps, 'children'> & { isCreate?: boolean }) {
  const translate = useTranslate();
  return (
    <SimpleForm {...props} mode="onBlur" reValidateMode="onChange" sx={{ maxWidth: 720 }}>
      <Section label="cite.sources.sections.general" />
      <TextInput source="name" validate={required()} fullWidth />
      <SelectInput
        source="kind"
        validate={required()}
        disabled={!isCreate}
        choices={SOURCE_KINDS.map((k) => ({ id: k, name: translate(`cite.sources.kinds.${k}`) }))}
        fullWidth
      />
      <TextInput source="collection" validate={required()} fullWidth />
      <FormDataConsumer<{ kind?: string }>>
        {({ formData }) => (
          <TextInput
            source="start_urls"
            label={
              formData.kind === 'sitemap'
                ? 'resources.sources.fields.config.sitemap_url'
                : formData.kind === 'website' || !formData.kind
                  ? 'resources.sources.fields.config.start_urls'
                  : 'resources.sources.fields.config.url'
            }
            multiline
            minRows={2}
            fullWidth
            format={listToLines}
            parse={(v: string) => v}
            validate={validateUrls(formData.kind !== 'files', formData.kind === 'website' || formData.kind === 'sitemap')}
            helperText="cite.sources.help.start_urls"
          />
        )}
      </FormDataConsumer>

      <FormDataConsumer<{ kind?: string }>>{({ formData }) => (formData.kind === 'dila' ? <DilaFilterInputs /> : null)}</FormDataConsumer>

      <Section label="cite.sources.sections.scope" />
      <TextInput
        source="include"
        label="resources.sources.fields.config.include"
        multiline
        fullWidth
        format={listToLines}
        parse={(v: string) => v}
        helperText="cite.sources.help.include"
      />
      <TextInput
        source="exclude"
        label="resources.sources.fields.config.exclude"
        multiline
        fullWidth
        format={listToLines}
        parse={(v: string) => v}
        helperText="cite.sources.help.exclude"
      />
      <NumberInput
        source="max_depth"
        label="resources.sources.fields.config.max_depth"
        min={0}
        max={100}
        step={1}
        validate={validateRange(0, 100)}
        helperText="cite.sources.help.max_depth"
      />
      <NumberInput
        source="max_pages"
        label="resources.sources.fields.config.max_pages"
        min={1}
        step={1}
        validate={validateRange(1, 10_000_000)}
        helperText="cite.sources.help.max_pages"
      />

      <Section label="cite.sources.sections.politeness" />
      <NumberInput
        source="rate_per_host"
        label="resources.sources.fields.config.rate"
        min={0.01}
        max={1000}
        step="any"
        validate={validateRange(0.01, 1000)}
        helperText="cite.sources.help.rate"
      />
      <SelectInput
        source="render"
        label="resources.sources.fields.config.render"
        choices={RENDER_MODES.map((m) => ({ id: m, name: translate(`cite.sources.render.${m}`) }))}
        helperText="cite.sources.help.render"
      />
      <BooleanInput source="mask_personal_data" />

      <Section label="cite.sources.sections.schedule" />
      <TextInput
        source="schedule"
        validate={validateCron}
        parse={(v: string) => (v.trim() === '' ? null : v)}
        format={(v: unknown) => (v == null ? '' : String(v))}
        helperText="cite.sources.help.schedule"
      />
      <BooleanInput source="enabled" />
    </SimpleForm>
  );
}

/**
 * Which Légifrance texts a `dila` source imports (`dila_filter`): an article is kept when it matches any
 * criterion, none = every text of the dumps. Ids are checked by the server, whose message shows under the field.
 */
function DilaFilterInputs() {
  const translate = useTranslate();
  return (
    <>
      <Section label="cite.sources.sections.dila" />
      <TextInput
        source="dila_filter.texts"
        label="resources.sources.fields.config.dila_texts"
        multiline
        fullWidth
        format={listToLines}
        parse={(v: string) => v}
        helperText="cite.sources.help.dila_texts"
      />
      <CheckboxGroupInput
        source="dila_filter.natures"
        label="resources.sources.fields.config.dila_natures"
        choices={DILA_NATURES.map((n) => ({ id: n, name: translate(`cite.sources.dila_natures.${n}`) }))}
        helperText="cite.sources.help.dila_natures"
      />
      <TextInput
        source="dila_filter.idcc"
        label="resources.sources.fields.config.dila_idcc"
        fullWidth
        format={(v: unknown) => (Array.isArray(v) ? v.join(', ') : typeof v === 'string' ? v : '')}
        parse={(v: string) => v}
        helperText="cite.sources.help.dila_idcc"
      />
    </>
  );
}

/** Textareas hold lines; the API wants lists. */
export function toSourcePayload(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...data };
  for (const k of ['start_urls', 'include', 'exclude']) if (k in out) out[k] = linesToList(out[k]);
  // the filter belongs to DILA sources only (an edit sends no kind: its input is disabled); ids are typed as text
  const filter = out.dila_filter as Record<string, unknown> | undefined;
  if (out.kind !== undefined && out.kind !== 'dila') delete out.dila_filter;
  else if (filter && typeof filter === 'object') {
    out.dila_filter = { texts: wordsToList(filter.texts), natures: Array.isArray(filter.natures) ? filter.natures : [], idcc: wordsToList(filter.idcc) };
  }
  for (const k of ['max_depth', 'max_pages', 'rate_per_host']) {
    if (out[k] === '' || out[k] == null) delete out[k];
  }
  // Read-only fields the API ignores anyway; sending less keeps the request readable in the audit log.
  for (const k of ['status', 'last_run', 'next_run_at', 'created_at', 'updated_at', 'collection_id']) delete out[k];
  return out;
}
