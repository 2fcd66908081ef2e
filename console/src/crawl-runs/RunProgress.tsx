import { Box, LinearProgress, Typography } from '@mui/material';
import { useRecordContext, useTranslate } from 'react-admin';

const COUNTS = ['discovered', 'fetched', 'indexed', 'unchanged', 'skipped', 'failed', 'deleted'] as const;

/** The run's counters; while it runs, an indeterminate or proportional bar shows it is alive. */
export function RunProgress(_props: { label?: string }) {
  const record = useRecordContext();
  const translate = useTranslate();
  if (!record) return null;
  const running = record.status === 'running' || record.status === 'queued';
  const discovered = Number(record.discovered ?? 0);
  const done = Number(record.fetched ?? 0) + Number(record.skipped ?? 0) + Number(record.failed ?? 0);
  const pct = discovered > 0 ? Math.min(100, Math.round((done / discovered) * 100)) : 0;
  return (
    <Box data-testid="run-progress" aria-live="polite">
      {running && (
        <LinearProgress
          variant={discovered > 0 ? 'determinate' : 'indeterminate'}
          value={pct}
          aria-label={translate('cite.runs.progress')}
          sx={{ mb: 1 }}
        />
      )}
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
        {COUNTS.map((k) => (
          <Box key={k} sx={{ minWidth: 90 }}>
            <Typography variant="caption" color="text.secondary" component="div">
              {translate(`resources.crawl-runs.fields.${k}`)}
            </Typography>
            <Typography variant="h6" component="div" data-testid={`run-${k}`}>
              {Number(record[k] ?? 0)}
            </Typography>
          </Box>
        ))}
      </Box>
    </Box>
  );
}
