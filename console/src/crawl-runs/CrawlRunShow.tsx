import { Typography } from '@mui/material';
import {
  DateField,
  FunctionField,
  ReferenceField,
  Show,
  SimpleShowLayout,
  TextField,
  useTranslate,
  type RaRecord,
} from 'react-admin';
import { StatusChip } from '../common/StatusChip';
import { formatDuration } from '../common/format';
import { FailedUrls } from './FailedUrls';
import { ReasonsTable } from './ReasonsTable';
import { RunProgress } from './RunProgress';

const LIVE_MS = 1500;
export const isLive = (r?: RaRecord) => r?.status === 'queued' || r?.status === 'running';

/** A run's page polls while the run is queued or running, then stops. */
export function CrawlRunShow() {
  const translate = useTranslate();
  return (
    <Show
      queryOptions={{
        refetchInterval: (q: { state: { data?: RaRecord } }) => (isLive(q.state.data) ? LIVE_MS : false),
      }}
    >
      <SimpleShowLayout>
        <TextField source="id" />
        <ReferenceField source="source_id" reference="sources" link="show" />
        <StatusChip source="status" label="resources.crawl-runs.fields.status" />
        <FunctionField
          label="cite.runs.live"
          render={(r: RaRecord) => (isLive(r) ? <Typography variant="body2">⟳ {translate('cite.runs.live')}</Typography> : '—')}
        />
        <TextField source="trigger" />
        <RunProgress label="cite.runs.progress" />
        <DateField source="created_at" showTime />
        <DateField source="started_at" showTime emptyText="—" />
        <DateField source="finished_at" showTime emptyText="—" />
        <FunctionField label="cite.runs.duration" render={(r: RaRecord) => formatDuration(r.started_at, r.finished_at)} />
        <TextField source="error" emptyText="—" />
        <ReasonsTable source="fail_reasons" label="cite.runs.reasons_failed" />
        <ReasonsTable source="skip_reasons" label="cite.runs.reasons_skipped" />
        <FailedUrls label="cite.runs.failed_urls" />
      </SimpleShowLayout>
    </Show>
  );
}
