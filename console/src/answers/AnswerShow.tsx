import DoneAllIcon from '@mui/icons-material/DoneAll';
import { Box, Card, CardContent, Chip, Typography } from '@mui/material';
import { useState } from 'react';
import {
  Button,
  FunctionField,
  Labeled,
  type RaRecord,
  Show,
  TopToolbar,
  useLocaleState,
  useNotify,
  useRecordContext,
  useRefresh,
  useTranslate,
  useUpdate,
} from 'react-admin';
import { AnswerText } from '../ask/AnswerText';
import { FeedbackPanel } from '../ask/FeedbackPanel';
import type { AnswerResult, Citation } from '../ask/answer-types';
import { citationHref, formatDate, formatLocator } from '../common/format';
import { AddToEvalSetButton } from './AddToEvalSetButton';
import { sourceClick } from '../common/open-original';
import { FrenchDateField } from '../common/FrenchDateField';

function MarkReviewedButton() {
  const record = useRecordContext();
  const notify = useNotify();
  const refresh = useRefresh();
  const [update, { isPending }] = useUpdate();
  if (!record) return null;
  return (
    <Button
      label="cite.review.mark_reviewed"
      disabled={isPending || !!record.reviewed_at}
      onClick={() =>
        update(
          'answers',
          { id: record.id, data: { reviewed: true }, previousData: record },
          {
            mutationMode: 'pessimistic',
            onSuccess: () => {
              notify('cite.review.marked', { type: 'success' });
              refresh();
            },
            onError: (e) => notify('cite.errors.generic', { type: 'error', messageArgs: { message: (e as Error).message } }),
          },
        )
      }
    >
      <DoneAllIcon />
    </Button>
  );
}

interface FeedbackItem {
  id: number;
  rating: 'up' | 'down';
  reasons?: string[];
  comment?: string | null;
  citations?: { n: number; verdict: string }[];
  api_key_name?: string | null;
  created_at: string;
}

function FeedbackReceived({ data }: { data: FeedbackItem[] }) {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  if (!data?.length) return <Typography variant="body2">{translate('cite.review.no_feedback')}</Typography>;
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1 }} data-testid="feedback-received">
      {data.map((f) => (
        <Box key={f.id} sx={{ p: 1, border: 1, borderColor: 'divider', borderRadius: 1 }}>
          <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
            <Chip size="small" color={f.rating === 'up' ? 'success' : 'error'} label={translate(f.rating === 'up' ? 'cite.ask.helpful' : 'cite.ask.not_helpful')} />
            {(f.reasons ?? []).map((r: string) => (
              <Chip key={r} size="small" variant="outlined" label={translate(`cite.ask.reasons.${r}`, { _: r })} />
            ))}
            <Typography variant="caption" color="text.secondary">
              {f.api_key_name ? `${f.api_key_name} · ` : ''}
              {formatDate(f.created_at, locale)}
            </Typography>
          </Box>
          {f.comment && <Typography variant="body2" sx={{ mt: 0.5, whiteSpace: 'pre-wrap' }}>{f.comment}</Typography>}
          {Array.isArray(f.citations) && f.citations.length > 0 && (
            <Typography variant="caption" component="p">
              {f.citations.map((c: { n: number; verdict: string }) => `[${c.n}] ${translate(`cite.ask.verdicts.${c.verdict}`, { _: c.verdict })}`).join(' · ')}
            </Typography>
          )}
        </Box>
      ))}
    </Box>
  );
}

/** Answer on the left, the passages it cites on the right; clicking [n] highlights its passage. */
function ReviewBody() {
  const record = useRecordContext<AnswerResult & { id: string }>();
  const translate = useTranslate();
  const [focus, setFocus] = useState<number | null>(null);
  if (!record) return null;
  const citations: Citation[] = record.citations ?? [];
  const pick = (c: Citation) => {
    setFocus(c.n);
    document.getElementById(`passage-${c.n}`)?.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  };
  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' }, gap: 2, mt: 1 }}>
      <Card variant="outlined">
        <CardContent>
          <Typography variant="subtitle2" component="h2">
            {translate('resources.answers.fields.question')}
          </Typography>
          <Typography sx={{ mb: 2, whiteSpace: 'pre-wrap' }} data-testid="review-question">
            {record.question}
          </Typography>
          <Typography variant="subtitle2" component="h2">
            {translate('cite.review.answer')}
          </Typography>
          <AnswerText text={record.answer ?? ''} citations={citations} unsupported={record.unsupported} onCite={pick} />
          <Typography variant="subtitle2" component="h2" sx={{ mt: 2 }}>
            {translate('cite.review.feedback')}
          </Typography>
          <FeedbackReceived data={(record as unknown as { feedback?: FeedbackItem[] }).feedback ?? []} />
          <Typography variant="subtitle2" component="h2" sx={{ mt: 2 }}>
            {translate('cite.review.save_verdicts')}
          </Typography>
          <FeedbackPanel answerId={String(record.id)} citations={citations} />
        </CardContent>
      </Card>
      <Card variant="outlined">
        <CardContent>
          <Typography variant="subtitle2" component="h2">
            {translate('cite.review.cited_passages')}
          </Typography>
          {citations.map((c) => (
            <Box
              key={c.n}
              id={`passage-${c.n}`}
              tabIndex={-1}
              data-testid={`passage-${c.n}`}
              sx={{
                mt: 1,
                p: 1,
                borderRadius: 1,
                border: 2,
                borderColor: focus === c.n ? 'primary.main' : 'divider',
              }}
            >
              <Typography variant="body2" sx={{ fontWeight: 600 }}>
                [{c.n}] {c.title}
              </Typography>
              {c.heading_path?.length ? (
                <Typography variant="caption" color="text.secondary" component="div">
                  {c.heading_path.join(' › ')}
                </Typography>
              ) : null}
              <Box component="blockquote" sx={{ m: 0, my: 0.5, pl: 1, borderLeft: 3, borderColor: 'primary.main', whiteSpace: 'pre-wrap' }}>
                <Typography variant="body2">{c.quote || c.text}</Typography>
              </Box>
              {c.passage && c.passage.text !== c.quote && (
                <Typography variant="body2" color="text.secondary" sx={{ whiteSpace: 'pre-wrap', my: 0.5, maxHeight: 220, overflow: 'auto' }} tabIndex={0}>
                  {c.passage.text}
                </Typography>
              )}
              <a href={citationHref(c)} onClick={sourceClick(citationHref(c))} target="_blank" rel="noopener noreferrer" style={{ wordBreak: 'break-all' }}>
                {c.url}
              </a>{' '}
              <Typography variant="caption" color="text.secondary">
                {formatLocator(c.locator, translate)}
              </Typography>
            </Box>
          ))}
        </CardContent>
      </Card>
    </Box>
  );
}

export function AnswerShow() {
  const translate = useTranslate();
  return (
    <Show
      actions={
        <TopToolbar>
          <AddToEvalSetButton />
          <MarkReviewedButton />
        </TopToolbar>
      }
    >
      <Box sx={{ p: 2 }}>
        <Box sx={{ display: 'flex', gap: 3, flexWrap: 'wrap' }}>
          <Labeled source="created_at">
            <FrenchDateField source="created_at" showTime />
          </Labeled>
          <Labeled source="mode">
            <FunctionField source="mode" render={(r: RaRecord) => (r.mode ? translate(`cite.answer_modes.${r.mode}`, { _: String(r.mode) }) : '—')} />
          </Labeled>
          <Labeled source="reviewed_at">
            <FrenchDateField source="reviewed_at" showTime emptyText="—" />
          </Labeled>
        </Box>
        <ReviewBody />
      </Box>
    </Show>
  );
}
