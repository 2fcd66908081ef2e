import { Box, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { Link as RouterLink } from 'react-router-dom';
import { useLocaleState, useTranslate } from 'react-admin';
import type { RecentRun } from '@cite/app/admin/stats-sql.js';
import { StatusBadge } from '../common/StatusChip';
import { formatDate } from '../common/format';
import { sourceName } from '../common/format';

export function RecentRuns({ runs, linkable }: { runs: RecentRun[]; linkable: boolean }) {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  if (!runs.length) return <Typography sx={{ p: 2 }}>{translate('cite.dashboard.no_runs')}</Typography>;
  const f = (k: string) => translate(`resources.crawl-runs.fields.${k}`);
  return (
    <Box sx={{ overflowX: 'auto' }}>
      <Table size="small" data-testid="recent-runs">
        <TableHead>
          <TableRow>
            <TableCell>{f('source_id')}</TableCell>
            <TableCell>{f('status')}</TableCell>
            <TableCell align="right">{f('indexed')}</TableCell>
            <TableCell align="right">{f('unchanged')}</TableCell>
            <TableCell align="right">{f('failed')}</TableCell>
            <TableCell>{f('created_at')}</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {runs.map((r) => (
            <TableRow key={r.id}>
              <TableCell>{linkable ? <RouterLink to={`/crawl-runs/${r.id}/show`}>{sourceName(r.source_name, translate)}</RouterLink> : sourceName(r.source_name, translate)}</TableCell>
              <TableCell>
                <StatusBadge status={r.status} />
              </TableCell>
              <TableCell align="right">{r.indexed}</TableCell>
              <TableCell align="right">{r.unchanged}</TableCell>
              <TableCell align="right">{r.failed}</TableCell>
              <TableCell>{formatDate(r.created_at, locale)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}
