import { Box } from '@mui/material';

/** Read-only JSON (metadata, audit before/after) with wrapping so narrow screens do not overflow. */
export function JsonBlock({ value }: { value: unknown }) {
  if (value == null) return null;
  return (
    <Box
      component="pre"
      sx={{
        m: 0,
        p: 1,
        bgcolor: 'grey.100',
        borderRadius: 1,
        fontSize: 12,
        whiteSpace: 'pre-wrap',
        wordBreak: 'break-word',
        maxHeight: 320,
        overflow: 'auto',
      }}
      tabIndex={0}
    >
      {JSON.stringify(value, null, 2)}
    </Box>
  );
}
