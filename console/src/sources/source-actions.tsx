import PauseIcon from '@mui/icons-material/PauseCircleOutlined';
import PlayIcon from '@mui/icons-material/PlayCircleOutlined';
import SyncIcon from '@mui/icons-material/Sync';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import {
  Button,
  DeleteWithConfirmButton,
  useDataProvider,
  useNotify,
  useRecordContext,
  useRefresh,
  useTranslate,
} from 'react-admin';
import type { CiteDataProvider } from '../dataProvider/dataProvider';

/** Queues a crawl and opens its run, where progress is followed live. */
export function CrawlNowButton({ follow = true }: { follow?: boolean }) {
  const record = useRecordContext();
  const dataProvider = useDataProvider<CiteDataProvider>();
  const notify = useNotify();
  const refresh = useRefresh();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { mutate, isPending } = useMutation({
    mutationFn: () => dataProvider.crawlSource(record!.id),
    onSuccess: (run) => {
      notify('cite.sources.crawl_started', { type: 'info' });
      queryClient.invalidateQueries({ queryKey: ['crawl-runs'] });
      if (follow && run && (run as { id?: unknown }).id != null) navigate(`/crawl-runs/${(run as { id: string | number }).id}/show`);
      else refresh();
    },
    onError: (e: Error) => notify('cite.errors.generic', { type: 'error', messageArgs: { message: e.message } }),
  });
  if (!record) return null;
  return (
    <Button
      label="cite.sources.crawl_now"
      disabled={isPending || !record.enabled || record.status === 'crawling' || record.status === 'queued'}
      onClick={(e) => {
        e.stopPropagation();
        mutate();
      }}
    >
      <SyncIcon />
    </Button>
  );
}

export function ToggleEnabledButton() {
  const record = useRecordContext();
  const dataProvider = useDataProvider<CiteDataProvider>();
  const notify = useNotify();
  const refresh = useRefresh();
  const enabled = !!record?.enabled;
  const { mutate, isPending } = useMutation({
    mutationFn: () => dataProvider.setSourceEnabled(record!.id, !enabled),
    onSuccess: () => {
      notify(enabled ? 'cite.sources.disabled_done' : 'cite.sources.enabled_done', { type: 'info' });
      refresh();
    },
    onError: (e: Error) => notify('cite.errors.generic', { type: 'error', messageArgs: { message: e.message } }),
  });
  if (!record) return null;
  return (
    <Button
      label={enabled ? 'cite.sources.disable' : 'cite.sources.enable'}
      disabled={isPending}
      onClick={(e) => {
        e.stopPropagation();
        mutate();
      }}
    >
      {enabled ? <PauseIcon /> : <PlayIcon />}
    </Button>
  );
}

export function DeleteSourceButton() {
  const record = useRecordContext();
  const translate = useTranslate();
  if (!record) return null;
  return (
    <DeleteWithConfirmButton
      mutationMode="pessimistic"
      confirmTitle={translate('cite.sources.delete_title', { name: record.name })}
      confirmContent="cite.sources.delete_content"
      redirect="list"
    />
  );
}
