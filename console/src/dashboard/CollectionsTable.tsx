import { Box, Table, TableBody, TableCell, TableHead, TableRow } from '@mui/material';
import { useTranslate } from 'react-admin';
import type { CollectionStats } from '@cite/app/admin/stats-sql.js';

export function CollectionsTable({ collections }: { collections: CollectionStats[] }) {
  const translate = useTranslate();
  return (
    <Box sx={{ overflowX: 'auto' }}>
    <Table size="small" data-testid="collections-table">
      <TableHead>
        <TableRow>
          <TableCell>{translate('cite.dashboard.collection')}</TableCell>
          <TableCell align="right">{translate('cite.dashboard.documents')}</TableCell>
          <TableCell align="right">{translate('cite.dashboard.chunks')}</TableCell>
          <TableCell align="right">{translate('cite.dashboard.sources')}</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {collections.map((c) => (
          <TableRow key={c.id}>
            <TableCell>{c.name}</TableCell>
            <TableCell align="right">{c.documents}</TableCell>
            <TableCell align="right">{c.chunks}</TableCell>
            <TableCell align="right">{c.sources}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
    </Box>
  );
}
