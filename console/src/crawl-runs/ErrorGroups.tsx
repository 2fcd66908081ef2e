import { Box, Link, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { useRecordContext, useTranslate } from 'react-admin';
import type { CrawlRunDetail } from '@cite/ingestion/runs/run-repo.js';

/** Failures grouped by reason, most frequent first, each with a few URLs to open and check. */
export function ErrorGroups(_props: { label?: string }) {
  const record = useRecordContext<CrawlRunDetail>();
  const translate = useTranslate();
  const groups = [...(record?.errors ?? [])].sort((a, b) => b.count - a.count);
  if (!groups.length) return <Typography variant="body2">{translate('cite.runs.no_reasons')}</Typography>;
  return (
    <Table size="small" data-testid="error-groups">
      <TableHead>
        <TableRow>
          <TableCell>{translate('cite.runs.reason')}</TableCell>
          <TableCell align="right">{translate('cite.runs.count')}</TableCell>
          <TableCell>{translate('cite.runs.examples')}</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {groups.map((g) => (
          <TableRow key={g.reason}>
            <TableCell sx={{ wordBreak: 'break-word', verticalAlign: 'top' }}>{g.reason}</TableCell>
            <TableCell align="right" sx={{ verticalAlign: 'top' }}>
              {g.count}
            </TableCell>
            <TableCell>
              {g.examples.map((x, i) => (
                <Box key={`${x.url}-${i}`} sx={{ wordBreak: 'break-all' }}>
                  {/^https?:\/\//.test(x.url) ? (
                    <Link href={x.url} target="_blank" rel="noopener noreferrer">
                      {x.url}
                    </Link>
                  ) : (
                    x.url
                  )}
                  {(x.http_status || x.message) && (
                    <Typography variant="caption" color="text.secondary" component="span">
                      {' '}
                      {[x.http_status, x.message].filter(Boolean).join(' · ')}
                    </Typography>
                  )}
                </Box>
              ))}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
