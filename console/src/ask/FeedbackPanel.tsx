import ThumbDownIcon from '@mui/icons-material/ThumbDownOutlined';
import ThumbUpIcon from '@mui/icons-material/ThumbUpOutlined';
import {
  Box,
  Button,
  Chip,
  IconButton,
  TextField,
  ToggleButton,
  ToggleButtonGroup,
  Tooltip,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import { useDataProvider, useNotify, useTranslate } from 'react-admin';
import type { CiteDataProvider } from '../dataProvider/dataProvider';
import { REASONS, VERDICTS, type Citation, type Reason, type Verdict } from './answer-types';

/** Thumbs, then (optionally) reasons, a comment and a verdict per citation; editable after sending. */
export function FeedbackPanel({ answerId, citations }: { answerId: string; citations: Citation[] }) {
  const translate = useTranslate();
  const notify = useNotify();
  const dataProvider = useDataProvider<CiteDataProvider>();
  const [rating, setRating] = useState<'up' | 'down' | null>(null);
  const [reasons, setReasons] = useState<Reason[]>([]);
  const [comment, setComment] = useState('');
  const [verdicts, setVerdicts] = useState<Record<number, Verdict>>({});
  const [sending, setSending] = useState(false);
  const [saved, setSaved] = useState(false);

  const send = async () => {
    if (!rating) return;
    setSending(true);
    try {
      await dataProvider.feedback(answerId, {
        rating,
        reasons,
        ...(comment.trim() ? { comment: comment.trim() } : {}),
        citations: Object.entries(verdicts).map(([n, verdict]) => ({ n: Number(n), verdict })),
      });
      setSaved(true);
      notify('cite.ask.feedback_saved', { type: 'success' });
    } catch (e) {
      notify('cite.errors.generic', { type: 'error', messageArgs: { message: (e as Error).message } });
    } finally {
      setSending(false);
    }
  };

  const choose = (r: 'up' | 'down') => {
    setRating(r);
    setSaved(false);
  };

  return (
    <Box sx={{ mt: 1 }} data-testid="feedback">
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
        <Tooltip title={translate('cite.ask.helpful')}>
          <IconButton
            aria-label={translate('cite.ask.helpful')}
            aria-pressed={rating === 'up'}
            color={rating === 'up' ? 'success' : 'default'}
            onClick={() => choose('up')}
            data-testid="thumb-up"
          >
            <ThumbUpIcon />
          </IconButton>
        </Tooltip>
        <Tooltip title={translate('cite.ask.not_helpful')}>
          <IconButton
            aria-label={translate('cite.ask.not_helpful')}
            aria-pressed={rating === 'down'}
            color={rating === 'down' ? 'error' : 'default'}
            onClick={() => choose('down')}
            data-testid="thumb-down"
          >
            <ThumbDownIcon />
          </IconButton>
        </Tooltip>
        {saved && (
          <Typography variant="body2" color="success.main" role="status">
            {translate('cite.ask.feedback_saved')}
          </Typography>
        )}
      </Box>
      {rating && !saved && (
        <Box sx={{ mt: 1, p: 2, border: 1, borderColor: 'divider', borderRadius: 1 }}>
          <Typography variant="subtitle2" component="h3">
            {translate('cite.ask.feedback_title')}
          </Typography>
          {rating === 'down' && (
            <Box role="group" aria-label={translate('cite.ask.reasons_label')} sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', my: 1 }}>
              {REASONS.map((r) => {
                const on = reasons.includes(r);
                return (
                  <Chip
                    key={r}
                    label={translate(`cite.ask.reasons.${r}`)}
                    color={on ? 'primary' : 'default'}
                    variant={on ? 'filled' : 'outlined'}
                    aria-pressed={on}
                    onClick={() => setReasons(on ? reasons.filter((x) => x !== r) : [...reasons, r])}
                    data-testid={`reason-${r}`}
                  />
                );
              })}
            </Box>
          )}
          {citations.length > 0 && (
            <>
              <Typography variant="body2" sx={{ mt: 1 }}>
                {translate('cite.ask.verdicts_label')}
              </Typography>
              {citations.map((c) => (
                <Box key={c.n} sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap', my: 0.5 }}>
                  <Typography variant="body2" sx={{ minWidth: 32 }}>
                    [{c.n}]
                  </Typography>
                  <ToggleButtonGroup
                    size="small"
                    exclusive
                    value={verdicts[c.n] ?? null}
                    onChange={(_e, v: Verdict | null) => {
                      const next = { ...verdicts };
                      if (v) next[c.n] = v;
                      else delete next[c.n];
                      setVerdicts(next);
                    }}
                    aria-label={translate('cite.ask.citation', { n: c.n })}
                  >
                    {VERDICTS.map((v) => (
                      <ToggleButton key={v} value={v} data-testid={`verdict-${c.n}-${v}`}>
                        {translate(`cite.ask.verdicts.${v}`)}
                      </ToggleButton>
                    ))}
                  </ToggleButtonGroup>
                </Box>
              ))}
            </>
          )}
          <TextField
            label={translate('cite.ask.comment')}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            multiline
            fullWidth
            margin="normal"
            slotProps={{ htmlInput: { maxLength: 4000 } }}
          />
          <Button variant="contained" onClick={send} disabled={sending} data-testid="send-feedback">
            {translate('cite.ask.send_feedback')}
          </Button>
        </Box>
      )}
    </Box>
  );
}
