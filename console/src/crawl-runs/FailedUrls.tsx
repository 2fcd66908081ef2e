import { Link, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { useRecordContext, useTranslate } from 'react-admin';

interface Failure {
  url: string;
  error?: string | null;
  outcome?: string | null;
  http_status?: number | null;
  reason?: string | null;
}

/** The URLs that failed in this run, each a link to the page itself so the admin can check it. */
export function FailedUrls(_props: { label?: string }) {
  const record = useRecordContext();
  const translate = useTranslate();
  const failures = (record?.failures ?? record?.failed_urls ?? []) as Failure[];
  if (!failures.length) return <Typography variant="body2">{translate('cite.runs.no_failed')}</Typography>;
  return (
    <Table size="small" data-testid="failed-urls">
      <TableHead>
        <TableRow>
          <TableCell>URL</TableCell>
          <TableCell>{translate('cite.runs.reason')}</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {failures.map((f, i) => (
          <TableRow key={`${f.url}-${i}`}>
            <TableCell sx={{ wordBreak: 'break-all' }}>
              <Link href={f.url} target="_blank" rel="noopener noreferrer">
                {f.url}
              </Link>
            </TableCell>
            <TableCell>{[f.http_status, f.reason ?? f.outcome, f.error].filter((x) => x != null && x !== '').join(' · ')}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
