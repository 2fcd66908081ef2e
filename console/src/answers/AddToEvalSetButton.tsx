import PlaylistAddIcon from '@mui/icons-material/PlaylistAdd';
import { Button as MuiButton, Dialog, DialogActions, DialogContent, DialogTitle, TextField } from '@mui/material';
import { useState } from 'react';
import { Button, useCreate, useNotify, useRecordContext, useTranslate } from 'react-admin';
import type { Citation } from '../ask/answer-types';

/**
 * Adds the question with its gold sources (by default the cited URLs, editable) to an evaluation
 * set, so a reviewed failure becomes a regression test.
 */
export function AddToEvalSetButton() {
  const record = useRecordContext();
  const translate = useTranslate();
  const notify = useNotify();
  const [create, { isPending }] = useCreate();
  const [open, setOpen] = useState(false);
  const [setName, setSetName] = useState('revue');
  const [gold, setGold] = useState('');
  if (!record) return null;
  const cited = [...new Set(((record.citations ?? []) as Citation[]).map((c) => c.url))];
  const start = () => {
    setGold(cited.join('\n'));
    setOpen(true);
  };
  const submit = () =>
    create(
      'eval-items',
      {
        data: {
          set: setName.trim(),
          query: record.question,
          answer_id: record.id,
          gold: gold
            .split('\n')
            .map((s) => s.trim())
            .filter(Boolean)
            .map((url) => ({ url, grade: 3 })),
        },
      },
      {
        onSuccess: () => {
          setOpen(false);
          notify('cite.review.added_to_eval', { type: 'success' });
        },
        onError: (e) => notify('cite.errors.generic', { type: 'error', messageArgs: { message: (e as Error).message } }),
      },
    );
  return (
    <>
      <Button label="cite.review.add_to_eval" onClick={start}>
        <PlaylistAddIcon />
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} fullWidth maxWidth="sm" aria-labelledby="eval-title">
        <DialogTitle id="eval-title">{translate('cite.review.add_to_eval')}</DialogTitle>
        <DialogContent>
          <TextField label={translate('cite.review.eval_set')} value={setName} onChange={(e) => setSetName(e.target.value)} fullWidth margin="normal" />
          <TextField
            label={translate('cite.review.gold_sources')}
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
          <MuiButton variant="contained" onClick={submit} disabled={isPending || !setName.trim()}>
            {translate('ra.action.add')}
          </MuiButton>
        </DialogActions>
      </Dialog>
    </>
  );
}
