import { Box, LinearProgress, Typography } from '@mui/material';
import { useRecordContext } from 'react-admin';
import { useEvalText } from './eval-messages';

export const isLiveRun = (r?: { [key: string]: unknown }) => r?.status === 'queued' || r?.status === 'running';

/** Questions done out of the set's total; the bar shows while the run is live. */
export function RunProgressBar(_props: { label?: string }) {
  const record = useRecordContext();
  const t = useEvalText();
  if (!record) return null;
  const total = Number(record.total ?? 0);
  const done = Number(record.done ?? 0);
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
  return (
    <Box data-testid="eval-progress" aria-live="polite" sx={{ minWidth: 240 }}>
      {isLiveRun(record) && <LinearProgress variant={total > 0 ? 'determinate' : 'indeterminate'} value={pct} aria-label={t('progress')} sx={{ mb: 0.5 }} />}
      <Typography variant="body2">{t('questions_done', { done, total, errors: Number(record.errors ?? 0) })}</Typography>
    </Box>
  );
}
