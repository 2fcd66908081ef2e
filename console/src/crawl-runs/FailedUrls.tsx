import { Link, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { useRecordContext, useTranslate } from 'react-admin';
import type { CrawlRunDetail } from '@cite/ingestion/runs/run-repo.js';

/** The URLs that failed in this run, each a link to the page itself so the admin can check it. */
export function FailedUrls(_props: { label?: string }) {
  const record = useRecordContext<CrawlRunDetail>();
  const translate = useTranslate();
  const failures = record?.failed_urls ?? [];
  if (!failures.length) return <Typography variant="body2">{translate('cite.runs.no_failed')}</Typography>;
  return (
    <Table size="small" data-testid="failed-urls">
      <TableHead>
        <TableRow>
          <TableCell>URL</TableCell>
          <TableCell>{translate('cite.runs.reason')}</TableCell>
          <TableCell align="right">{translate('cite.runs.attempts')}</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {failures.map((f, i) => (
          <TableRow key={`${f.url}-${i}`}>
            <TableCell sx={{ wordBreak: 'break-all' }}>
              {/^https?:\/\//.test(f.url) ? (
                <Link href={f.url} target="_blank" rel="noopener noreferrer">
                  {f.url}
                </Link>
              ) : (
                f.url
              )}
            </TableCell>
            <TableCell>{[f.http_status, f.reason, f.message].filter((x) => x != null && x !== '').join(' · ')}</TableCell>
            <TableCell align="right">{f.attempts}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
