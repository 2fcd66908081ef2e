import { Typography } from '@mui/material';
import {
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
import { ErrorGroups } from './ErrorGroups';
import { SkipReasons } from './SkipReasons';
import { RunProgress } from './RunProgress';
import { FrenchDateField } from '../common/FrenchDateField';
import { SourceNameField } from '../common/SourceNameField';

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
        <ReferenceField source="source_id" reference="sources" link="show">
          <SourceNameField />
        </ReferenceField>
        {/* codes (manual, upload, crawl, revalidate…) shown in words; an unknown one as it is */}
        <FunctionField source="phase" render={(r: RaRecord) => (r.phase ? translate(`cite.triggers.${r.phase}`, { _: r.phase }) : '—')} />
        <StatusChip source="status" label="resources.crawl-runs.fields.status" />
        <FunctionField
          label="cite.runs.live"
          render={(r: RaRecord) => (isLive(r) ? <Typography variant="body2">⟳ {translate('cite.runs.live')}</Typography> : '—')}
        />
        <FunctionField source="trigger" render={(r: RaRecord) => translate(`cite.triggers.${r.trigger}`, { _: r.trigger })} />
        <RunProgress label="cite.runs.progress" />
        <FrenchDateField source="created_at" showTime />
        <FrenchDateField source="started_at" showTime emptyText="—" />
        <FrenchDateField source="finished_at" showTime emptyText="—" />
        <FunctionField label="cite.runs.duration" render={(r: RaRecord) => formatDuration(r.started_at, r.finished_at)} />
        <FunctionField
          label="cite.runs.queue"
          render={(r: RaRecord) => (r.pending != null ? `${r.pending} / ${r.in_progress ?? 0}` : '—')}
        />
        <TextField source="error" emptyText="—" />
        <ErrorGroups label="cite.runs.reasons_failed" />
        <SkipReasons label="cite.runs.reasons_skipped" />
        <FailedUrls label="cite.runs.failed_urls" />
      </SimpleShowLayout>
    </Show>
  );
}
