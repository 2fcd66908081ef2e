import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import {
  Button as MuiButton,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  MenuItem,
  Stack,
  TextField,
} from '@mui/material';
import { useState } from 'react';
import { Button, useDataProvider, useNotify, useRedirect, useTranslate } from 'react-admin';
import { useEvalText } from './eval-messages';

const MODES = ['hybrid', 'lexical', 'vector'] as const;

/** Starts a run of a set under a configuration; the run executes in the background. */
export function StartRunButton({ setId, setLabel }: { setId: number; setLabel?: string }) {
  const t = useEvalText();
  const translate = useTranslate();
  const notify = useNotify();
  const redirect = useRedirect();
  const dataProvider = useDataProvider();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [name, setName] = useState('');
  const [mode, setMode] = useState<(typeof MODES)[number]>('hybrid');
  const [k, setK] = useState(50);
  const [weights, setWeights] = useState({ lexical: '', vector: '' });
  const [rrfK, setRrfK] = useState('');
  const [phrasings, setPhrasings] = useState(true);
  const [reranker, setReranker] = useState(false);
  const [answers, setAnswers] = useState(false);
  const [judge, setJudge] = useState(false);
  const [llmModel, setLlmModel] = useState('');
  const [judgeModel, setJudgeModel] = useState('');

  const submit = async () => {
    setBusy(true);
    try {
      const config: Record<string, unknown> = { mode, k, phrasings, answers, judge: answers && judge };
      if (weights.lexical !== '' && weights.vector !== '') config.weights = { lexical: Number(weights.lexical), vector: Number(weights.vector) };
      if (rrfK) config.rrf_k = Number(rrfK);
      if (reranker) config.reranker = 'default';
      if (answers && llmModel.trim()) config.llm_model = llmModel.trim();
      if (answers && judge && judgeModel.trim()) config.judge_model = judgeModel.trim();
      const { data } = await dataProvider.create('eval-runs', { data: { set_id: setId, name: name.trim() || undefined, config, origin: 'console' } });
      notify(t('started', { id: data.id }), { type: 'success' });
      setOpen(false);
      redirect('show', 'eval-runs', data.id);
    } catch (e) {
      notify((e as Error).message, { type: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button label={t('start_run')} onClick={() => setOpen(true)} data-testid="start-eval-run">
        <PlayArrowIcon />
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} fullWidth maxWidth="sm" aria-labelledby="eval-run-title">
        <DialogTitle id="eval-run-title">
          {t('start_run')}
          {setLabel ? ` · ${setLabel}` : ''}
        </DialogTitle>
        <DialogContent>
          <TextField label={t('run_name')} value={name} onChange={(e) => setName(e.target.value)} fullWidth margin="dense" />
          <TextField select label={t('mode')} value={mode} onChange={(e) => setMode(e.target.value as (typeof MODES)[number])} fullWidth margin="dense" slotProps={{ htmlInput: { 'data-testid': 'eval-mode' } }}>
            {MODES.map((m) => (
              <MenuItem key={m} value={m}>
                {t(`modes.${m}`)}
              </MenuItem>
            ))}
          </TextField>
          <TextField type="number" label={t('k')} value={k} onChange={(e) => setK(Number(e.target.value))} slotProps={{ htmlInput: { min: 10, max: 200 } }} fullWidth margin="dense" />
          <Stack direction="row" spacing={1}>
            <TextField type="number" label={t('weight_lexical')} value={weights.lexical} onChange={(e) => setWeights({ ...weights, lexical: e.target.value })} slotProps={{ htmlInput: { min: 0, max: 10, step: 0.1 } }} margin="dense" />
            <TextField type="number" label={t('weight_vector')} value={weights.vector} onChange={(e) => setWeights({ ...weights, vector: e.target.value })} slotProps={{ htmlInput: { min: 0, max: 10, step: 0.1 } }} margin="dense" />
            <TextField type="number" label={t('rrf_k')} value={rrfK} onChange={(e) => setRrfK(e.target.value)} slotProps={{ htmlInput: { min: 1, max: 1000 } }} margin="dense" />
          </Stack>
          <FormControlLabel control={<Checkbox checked={phrasings} onChange={(e) => setPhrasings(e.target.checked)} />} label={t('with_phrasings')} />
          <FormControlLabel control={<Checkbox checked={reranker} onChange={(e) => setReranker(e.target.checked)} />} label={t('reranker')} />
          <FormControlLabel control={<Checkbox checked={answers} onChange={(e) => setAnswers(e.target.checked)} />} label={t('answers')} />
          {answers && (
            <>
              <TextField label={t('llm_model')} value={llmModel} onChange={(e) => setLlmModel(e.target.value)} fullWidth margin="dense" />
              <FormControlLabel control={<Checkbox checked={judge} onChange={(e) => setJudge(e.target.checked)} />} label={t('judge')} />
              {judge && <TextField label={t('judge_model')} value={judgeModel} onChange={(e) => setJudgeModel(e.target.value)} fullWidth margin="dense" />}
            </>
          )}
        </DialogContent>
        <DialogActions>
          <MuiButton onClick={() => setOpen(false)}>{translate('ra.action.cancel')}</MuiButton>
          <MuiButton variant="contained" onClick={submit} disabled={busy} data-testid="start-eval-run-submit">
            {t('start')}
          </MuiButton>
        </DialogActions>
      </Dialog>
    </>
  );
}
