import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import {
  Alert,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  IconButton,
  TextField as MuiTextField,
  Tooltip,
} from '@mui/material';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import {
  BooleanInput,
  Create,
  DateTimeInput,
  required,
  SelectInput,
  SimpleForm,
  TextInput,
  useNotify,
  useTranslate,
} from 'react-admin';
import { ROLE_CHOICES } from './roles';

/** A key born expired is refused by the engine (KEY_EXPIRY_IN_PAST): say so before sending. */
const inTheFuture = (value: unknown) =>
  value && new Date(String(value)).getTime() <= Date.now() ? 'cite.keys.expires_past' : undefined;

/** The secret exists only in this answer: it is shown once, in a dialog that must be acknowledged. */
function ShownOnce({ secret, onDone }: { secret: string; onDone: () => void }) {
  const translate = useTranslate();
  const [copied, setCopied] = useState(false);
  return (
    <Dialog open onClose={onDone} aria-labelledby="key-title" fullWidth maxWidth="sm">
      <DialogTitle id="key-title">{translate('cite.keys.created_title')}</DialogTitle>
      <DialogContent>
        <Alert severity="warning" sx={{ mb: 2 }}>
          {translate('cite.keys.created_warning')}
        </Alert>
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
          <MuiTextField
            value={secret}
            fullWidth
            slotProps={{ htmlInput: { readOnly: true, 'data-testid': 'created-key', style: { fontFamily: 'monospace' } } }}
            onFocus={(e) => e.target.select()}
          />
          <Tooltip title={translate(copied ? 'cite.common.copied' : 'cite.common.copy')}>
            <IconButton
              aria-label={translate('cite.common.copy')}
              onClick={async () => {
                try {
                  await navigator.clipboard.writeText(secret);
                  setCopied(true);
                } catch {
                  setCopied(false);
                }
              }}
            >
              <ContentCopyIcon />
            </IconButton>
          </Tooltip>
        </Box>
      </DialogContent>
      <DialogActions>
        <Button variant="contained" onClick={onDone}>
          {translate('cite.keys.done')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

export function ApiKeyCreate() {
  const [secret, setSecret] = useState<string | null>(null);
  const navigate = useNavigate();
  const notify = useNotify();
  return (
    <>
      <Create
        redirect={false}
        mutationOptions={{
          onSuccess: (data: Record<string, unknown> & { id: string | number }) => {
            if (typeof data.key === 'string') setSecret(data.key);
            else navigate('/api-keys');
          },
          onError: (e: Error) => notify('cite.errors.generic', { type: 'error', messageArgs: { message: e.message } }),
        }}
        transform={(d: Record<string, unknown>) => ({
          name: d.name,
          role: d.role,
          web_search: d.web_search === true,
          ...(d.expires_at ? { expires_at: new Date(String(d.expires_at)).toISOString() } : {}),
        })}
      >
        <SimpleForm defaultValues={{ role: 'agent', web_search: false }} sx={{ maxWidth: 560 }}>
          <TextInput source="name" validate={required()} fullWidth />
          <SelectInput source="role" choices={ROLE_CHOICES} validate={required()} />
          <DateTimeInput source="expires_at" validate={inTheFuture} />
          <BooleanInput source="web_search" />
        </SimpleForm>
      </Create>
      {secret && (
        <ShownOnce
          secret={secret}
          onDone={() => {
            setSecret(null);
            navigate('/api-keys');
          }}
        />
      )}
    </>
  );
}
