import { Box, Chip, Typography } from '@mui/material';
import { useRecordContext, useTranslate } from 'react-admin';
import type { CrawlRunDetail } from '@cite/ingestion/runs/run-repo.js';

/** Skipped URLs by reason (robots, out of scope, unsupported type…): not errors, but worth seeing. */
export function SkipReasons(_props: { label?: string }) {
  const record = useRecordContext<CrawlRunDetail>();
  const translate = useTranslate();
  const rows = Object.entries(record?.skip_reasons ?? {}).sort((a, b) => b[1] - a[1]);
  if (!rows.length) return <Typography variant="body2">{translate('cite.runs.no_reasons')}</Typography>;
  return (
    <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }} data-testid="skip-reasons">
      {rows.map(([reason, n]) => (
        <Chip key={reason} size="small" variant="outlined" label={`${reason} · ${n}`} />
      ))}
    </Box>
  );
}
