import { Box, Typography } from '@mui/material';
import { Link as RouterLink } from 'react-router-dom';
import { useRecordContext } from 'react-admin';
import type { SourceRecord } from '@cite/ingestion/sources/source-schema.js';
import { StatusBadge } from '../common/StatusChip';

/** Last run's status with its figures: indexed / failed, linking to the run. */
export function LastRunField(_props: { label?: string; sortable?: boolean }) {
  const record = useRecordContext<SourceRecord & { id: number }>();
  const run = record?.last_run;
  if (!run) return <Typography variant="body2">—</Typography>;
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }} onClick={(e) => e.stopPropagation()}>
      <RouterLink to={`/crawl-runs/${run.id}/show`} aria-label={`#${run.id}`}>
        <StatusBadge status={run.status} />
      </RouterLink>
      <Typography variant="body2" component="span">
        {run.indexed} ✓ · {run.failed} ✗
      </Typography>
    </Box>
  );
}
