import UploadFileIcon from '@mui/icons-material/UploadFile';
import {
  Alert,
  Button as MuiButton,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import { Button, HttpError, useNotify, useRedirect, useRefresh, useTranslate } from 'react-admin';
import { ADMIN_API } from '../dataProvider/dataProvider';
import { callJson } from '../dataProvider/http-client';
import { useEvalText } from '../eval-runs/eval-messages';

interface LineError {
  line: number;
  id?: string;
  message: string;
}
interface ImportAnswer {
  set: { id: number };
  created: number;
  updated: number;
  rejected: number;
  errors: LineError[];
}

/** Every invalid line with its number and reason, so the file can be fixed in one go. */
function LineErrors({ errors }: { errors: LineError[] }) {
  const t = useEvalText();
  return (
    <Table size="small" data-testid="import-errors" sx={{ mt: 1 }}>
      <TableHead>
        <TableRow>
          <TableCell>{t('line')}</TableCell>
          <TableCell>{t('external_id')}</TableCell>
          <TableCell>{t('error')}</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {errors.slice(0, 200).map((e) => (
          <TableRow key={e.line}>
            <TableCell>{e.line}</TableCell>
            <TableCell>{e.id ?? '—'}</TableCell>
            <TableCell>{e.message}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** Imports a JSONL file into a new set (or, from a set's page, into that set). */
export function ImportButton({ setId }: { setId?: number }) {
  const t = useEvalText();
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const redirect = useRedirect();
  const [open, setOpen] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [errors, setErrors] = useState<LineError[]>([]);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    if (!file) return;
    setBusy(true);
    setErrors([]);
    try {
      const params = new URLSearchParams(setId ? { set_id: String(setId) } : { name: name.trim() || file.name });
      if (skipInvalid) params.set('skip_invalid', 'true');
      const res = await callJson<ImportAnswer>(`${ADMIN_API}/eval-sets/import?${params}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-ndjson' },
        body: await file.text(),
      });
      notify(t('imported', { created: res.created, updated: res.updated, rejected: res.rejected }), { type: res.rejected ? 'warning' : 'success' });
      if (res.errors.length) setErrors(res.errors);
      else setOpen(false);
      refresh();
      if (!setId) redirect('show', 'eval-sets', res.set.id);
    } catch (e) {
      const details = e instanceof HttpError ? (e.body as { details?: unknown })?.details : undefined;
      if (Array.isArray(details)) setErrors(details as LineError[]);
      notify((e as Error).message, { type: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button label={t('import')} onClick={() => setOpen(true)}>
        <UploadFileIcon />
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} fullWidth maxWidth="md" aria-labelledby="eval-import-title">
        <DialogTitle id="eval-import-title">{t('import_title')}</DialogTitle>
        <DialogContent>
          <Typography variant="body2" color="text.secondary" gutterBottom>
            {t('import_help')}
          </Typography>
          <MuiButton component="label" variant="outlined" startIcon={<UploadFileIcon />} sx={{ my: 1 }}>
            {file ? file.name : t('import_file')}
            <input
              hidden
              type="file"
              accept=".jsonl,.ndjson,.json,application/x-ndjson,application/json,text/plain"
              data-testid="eval-import-file"
              onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            />
          </MuiButton>
          {!setId && <TextField label={t('import_target')} value={name} onChange={(e) => setName(e.target.value)} fullWidth margin="normal" />}
          <FormControlLabel control={<Checkbox checked={skipInvalid} onChange={(e) => setSkipInvalid(e.target.checked)} />} label={t('skip_invalid')} />
          {errors.length > 0 && (
            <>
              <Alert severity={skipInvalid ? 'warning' : 'error'} sx={{ mt: 1 }}>
                {skipInvalid ? `${errors.length} × ${t('error')}` : t('import_invalid')}
              </Alert>
              <LineErrors errors={errors} />
            </>
          )}
        </DialogContent>
        <DialogActions>
          <MuiButton onClick={() => setOpen(false)}>{translate('ra.action.cancel')}</MuiButton>
          <MuiButton variant="contained" onClick={submit} disabled={busy || !file}>
            {t('import')}
          </MuiButton>
        </DialogActions>
      </Dialog>
    </>
  );
}
