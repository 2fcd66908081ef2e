import { Chip, type ChipProps } from '@mui/material';
import { useRecordContext, useTranslate } from 'react-admin';

const COLOURS: Record<string, ChipProps['color']> = {
  idle: 'default',
  queued: 'info',
  crawling: 'primary',
  running: 'primary',
  pending: 'primary',
  succeeded: 'success',
  active: 'success',
  ok: 'success',
  failed: 'error',
  error: 'error',
  cancelled: 'warning',
  deleted: 'warning',
  disabled: 'default',
};

export function StatusBadge({ status }: { status: string }) {
  const translate = useTranslate();
  return (
    <Chip
      size="small"
      color={COLOURS[status] ?? 'default'}
      variant={status === 'idle' || status === 'disabled' ? 'outlined' : 'filled'}
      label={translate(`cite.status.${status}`, { _: status })}
    />
  );
}

/** A status field for lists and detail pages (`source="status"`). */
export function StatusChip({ source = 'status' }: { source?: string; label?: string; sortable?: boolean }) {
  const record = useRecordContext();
  const value = record?.[source];
  if (typeof value !== 'string') return null;
  return <StatusBadge status={value} />;
}
