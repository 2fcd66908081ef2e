/**
 * A source's name, with the one the engine gives to files dropped in the console ("console uploads")
 * in the console's language.
 */
import { Typography } from '@mui/material';
import { useRecordContext, useTranslate } from 'react-admin';
import { sourceName } from './format';

export function SourceNameField({ source = 'name' }: { source?: string; label?: string; sortable?: boolean }) {
  const record = useRecordContext();
  const translate = useTranslate();
  if (!record) return null;
  return (
    <Typography component="span" variant="body2">
      {sourceName(record[source], translate)}
    </Typography>
  );
}

