import { Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { useRecordContext, useTranslate } from 'react-admin';

/** `fail_reasons` / `skip_reasons` ({reason: count}) as a table, most frequent first. */
export function ReasonsTable({ source }: { source: 'fail_reasons' | 'skip_reasons'; label?: string }) {
  const record = useRecordContext();
  const translate = useTranslate();
  const map = (record?.[source] ?? {}) as Record<string, number>;
  const rows = Object.entries(map).sort((a, b) => b[1] - a[1]);
  if (!rows.length) return <Typography variant="body2">{translate('cite.runs.no_reasons')}</Typography>;
  return (
    <Table size="small" sx={{ maxWidth: 560 }} data-testid={source}>
      <TableHead>
        <TableRow>
          <TableCell>{translate('cite.runs.reason')}</TableCell>
          <TableCell align="right">{translate('cite.runs.count')}</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {rows.map(([reason, n]) => (
          <TableRow key={reason}>
            <TableCell sx={{ wordBreak: 'break-word' }}>{reason}</TableCell>
            <TableCell align="right">{n}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
