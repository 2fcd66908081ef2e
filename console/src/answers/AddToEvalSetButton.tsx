import PlaylistAddIcon from '@mui/icons-material/PlaylistAdd';
import {
  Autocomplete,
  Button as MuiButton,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  TextField,
} from '@mui/material';
import { useState } from 'react';
import { Button, useDataProvider, useGetList, useNotify, useRecordContext, useTranslate } from 'react-admin';
import type { CiteDataProvider } from '../dataProvider/dataProvider';

interface EvalSet {
  id: number;
  name: string;
}

/**
 * Adds the answer's question to an evaluation set (an existing one, or a new one by name) with its
 * gold sources: the URLs typed here, or when left empty those the reviews judged supporting.
 */
export function AddToEvalSetButton() {
  const record = useRecordContext();
  const translate = useTranslate();
  const notify = useNotify();
  const dataProvider = useDataProvider<CiteDataProvider>();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [choice, setChoice] = useState<EvalSet | string | null>(null);
  const [gold, setGold] = useState('');
  const { data: sets = [] } = useGetList<EvalSet>(
    'eval-sets',
    { sort: { field: 'id', order: 'DESC' }, pagination: { page: 1, perPage: 100 } },
    { enabled: open },
  );
  if (!record) return null;

  const submit = async () => {
    if (!choice) return;
    setBusy(true);
    try {
      const set =
        typeof choice === 'string'
          ? ((await dataProvider.create('eval-sets', { data: { name: choice.trim() } })).data as EvalSet)
          : choice;
      const urls = gold
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean);
      await dataProvider.addToEvalSet(set.id, {
        answer_id: String(record.id),
        ...(urls.length ? { gold: urls.map((url) => ({ url, grade: 2 })) } : {}),
      });
      setOpen(false);
      notify('cite.review.added_to_eval', { type: 'success' });
    } catch (e) {
      notify('cite.errors.generic', { type: 'error', messageArgs: { message: (e as Error).message } });
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button label="cite.review.add_to_eval" onClick={() => setOpen(true)}>
        <PlaylistAddIcon />
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} fullWidth maxWidth="sm" aria-labelledby="eval-title">
        <DialogTitle id="eval-title">{translate('cite.review.add_to_eval')}</DialogTitle>
        <DialogContent>
          <Autocomplete<EvalSet | string, false, false, true>
            freeSolo
            options={sets}
            getOptionLabel={(o) => (typeof o === 'string' ? o : o.name)}
            value={choice}
            onChange={(_e, v) => setChoice(v)}
            onInputChange={(_e, v, reason) => {
              if (reason === 'input') setChoice(v.trim() ? v : null);
            }}
            renderInput={(params) => <TextField {...params} label={translate('cite.review.eval_set')} margin="normal" />}
          />
          <TextField
            label={translate('cite.review.gold_sources')}
            helperText={translate('cite.review.gold_help')}
            value={gold}
            onChange={(e) => setGold(e.target.value)}
            fullWidth
            multiline
            minRows={3}
            margin="normal"
          />
        </DialogContent>
        <DialogActions>
          <MuiButton onClick={() => setOpen(false)}>{translate('ra.action.cancel')}</MuiButton>
          <MuiButton variant="contained" onClick={submit} disabled={busy || !choice}>
            {translate('ra.action.add')}
          </MuiButton>
        </DialogActions>
      </Dialog>
    </>
  );
}
