import { Box, Chip, Typography } from '@mui/material';
import { useRecordContext } from 'react-admin';

/** A list of plain strings (start URLs, globs, heading path) as chips. */
export function StringListField({ source }: { source: string; label?: string }) {
  const record = useRecordContext();
  const list = record?.[source];
  if (!Array.isArray(list) || !list.length) return <Typography variant="body2">—</Typography>;
  return (
    <Box sx={{ display: 'flex', gap: 0.5, flexWrap: 'wrap' }}>
      {list.map((s: unknown, i: number) => (
        <Chip key={i} size="small" label={String(s)} sx={{ maxWidth: '100%' }} />
      ))}
    </Box>
  );
}
