import AddCommentIcon from '@mui/icons-material/AddComment';
import SendIcon from '@mui/icons-material/Send';
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  FormControlLabel,
  LinearProgress,
  List,
  ListItemButton,
  ListItemText,
  Switch,
  TextField,
  Typography,
} from '@mui/material';
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { Title, useDataProvider, useLocaleState, usePermissions, useTranslate } from 'react-admin';
import { formatDate, quotePlace } from '../common/format';
import type { CiteDataProvider } from '../dataProvider/dataProvider';
import { roleAtLeast } from '../dataProvider/session';
import { AnswerText } from './AnswerText';
import type { AnswerResult, Citation, ConversationTurn, SearchResult } from './answer-types';
import { addToHistory, historyFromStored, HISTORY_SIZE, reopenedTurns, type HistoryEntry } from './ask-history';
import { CitationDialog } from './CitationDialog';
import { DebugPanel, hasRetrievalDetails } from './DebugPanel';
import { FeedbackPanel } from './FeedbackPanel';

interface Turn {
  key: string;
  question: string;
  text: string;
  citations: Citation[];
  answer?: AnswerResult;
  phase: 'searching' | 'streaming' | 'done' | 'error';
  error?: string;
  /** The debug search (evaluators), run on the query the answer was retrieved with. */
  debug?: SearchResult;
  debugQuery?: string;
}

/** One group of cited sources: the indexed official ones, or the web pages (issue 22). */
function SourceGroup({ title, citations, testId, onCite }: { title: string; citations: Citation[]; testId: string; onCite: (c: Citation) => void }) {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  if (citations.length === 0) return null;
  return (
    <Box sx={{ mt: 2 }} data-testid={testId}>
      <Typography variant="subtitle2" component="h3">
        {title}
      </Typography>
      <Box component="ol" sx={{ pl: 0, m: 0, listStyle: 'none' }} data-testid="sources">
        {citations.map((c) => (
          <li key={c.n}>
            <Button
              size="small"
              onClick={() => onCite(c)}
              sx={{ textTransform: 'none', textAlign: 'left', justifyContent: 'flex-start' }}
              data-testid={`source-${c.n}`}
            >
              [{c.n}] {c.title || c.url}
            </Button>
            {quotePlace(c, translate) && (
              <Typography variant="caption" color="text.secondary" data-testid={`source-place-${c.n}`}>
                {quotePlace(c, translate)}
              </Typography>
            )}
            {c.origin === 'web' && c.fetched_at && (
              <Typography variant="caption" color="text.secondary" sx={{ ml: 1 }}>
                {translate('cite.ask.web_fetched', { date: formatDate(c.fetched_at, locale) })}
              </Typography>
            )}
          </li>
        ))}
      </Box>
    </Box>
  );
}

function TurnView({ turn, debug, onCite }: { turn: Turn; debug: boolean; onCite: (c: Citation) => void }) {
  const translate = useTranslate();
  const a = turn.answer;
  const unsupportedCount = a?.unsupported?.length ?? 0;
  return (
    <Box component="section" sx={{ mb: 3 }} data-testid="turn" aria-busy={turn.phase === 'searching' || turn.phase === 'streaming'}>
      <Box sx={{ display: 'flex', justifyContent: 'flex-end', mb: 1 }}>
        <Box sx={{ bgcolor: 'primary.main', color: 'primary.contrastText', px: 2, py: 1, borderRadius: 2, maxWidth: '85%' }}>
          <Typography component="p" sx={{ whiteSpace: 'pre-wrap' }}>
            {turn.question}
          </Typography>
        </Box>
      </Box>
      <Card variant="outlined">
        <CardContent>
          {turn.phase === 'searching' && (
            <>
              <Typography variant="body2" color="text.secondary" role="status">
                {translate('cite.ask.thinking')}
              </Typography>
              <LinearProgress sx={{ mt: 1 }} aria-label={translate('cite.ask.thinking')} />
            </>
          )}
          {turn.phase === 'error' && <Alert severity="error">{translate('cite.ask.error', { message: turn.error ?? '' })}</Alert>}
          {a?.abstained && (
            <Alert severity="info" sx={{ mb: 1 }}>
              {translate('cite.ask.abstained')}
            </Alert>
          )}
          {(turn.phase === 'streaming' || turn.phase === 'done') && (
            <AnswerText
              text={a?.answer ?? turn.text}
              citations={a?.citations ?? turn.citations}
              unsupported={a?.unsupported}
              onCite={onCite}
            />
          )}
          {turn.phase === 'streaming' && (
            <Typography variant="caption" color="text.secondary" role="status">
              {translate('cite.ask.streaming')}
            </Typography>
          )}
          {unsupportedCount > 0 && (
            <Typography variant="caption" color="warning.main" component="p">
              {translate('cite.ask.unsupported_count', { n: unsupportedCount })}
            </Typography>
          )}
          {a && a.citations.some((c) => c.origin === 'web') ? (
            <>
              <SourceGroup title={translate('cite.ask.sources_index')} citations={a.citations.filter((c) => c.origin !== 'web')} testId="sources-index" onCite={onCite} />
              <SourceGroup title={translate('cite.ask.sources_web')} citations={a.citations.filter((c) => c.origin === 'web')} testId="sources-web" onCite={onCite} />
            </>
          ) : (
            a && <SourceGroup title={translate('cite.ask.sources')} citations={a.citations} testId="sources-all" onCite={onCite} />
          )}
          {a?.warnings && a.warnings.length > 0 && (
            <Alert severity="warning" sx={{ mt: 1 }} data-testid="answer-warnings">
              {translate('cite.ask.warnings', { messages: a.warnings.map((w) => w.message).join(' ; ') })}
            </Alert>
          )}
          {a?.id && turn.phase === 'done' && <FeedbackPanel answerId={a.id} citations={a.citations} />}
          {debug && (turn.debug || hasRetrievalDetails(a)) && <DebugPanel result={turn.debug} answer={a} query={turn.debugQuery} />}
        </CardContent>
      </Card>
    </Box>
  );
}

/**
 * The screen agents use: a conversation where each answer streams in with its citations. Follow-up
 * questions carry the earlier turns, so "et pour un CDD ?" is understood in context.
 */
export function AskPage() {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const dataProvider = useDataProvider<CiteDataProvider>();
  const { permissions } = usePermissions<string>();
  const debug = roleAtLeast(permissions, 'evaluator');
  const [turns, setTurns] = useState<Turn[]>([]);
  const [question, setQuestion] = useState('');
  const [open, setOpen] = useState<Citation | null>(null);
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  /** The toggle exists only for keys allowed internet search (web_search, from GET /v1/me). */
  const [webAllowed, setWebAllowed] = useState(false);
  const [web, setWeb] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const busy = turns.some((t) => t.phase === 'searching' || t.phase === 'streaming');

  useEffect(() => () => abort.current?.abort(), []);

  useEffect(() => {
    let live = true;
    dataProvider
      .me()
      .then((me) => live && setWebAllowed(me.web_search === true))
      .catch(() => {
        /* without knowing, the toggle stays hidden */
      });
    return () => {
      live = false;
    };
  }, [dataProvider]);

  useEffect(() => {
    let live = true;
    dataProvider
      .myAnswers(HISTORY_SIZE)
      .then((rows) => live && setHistory((h) => [...h, ...historyFromStored(rows).filter((s) => !h.some((x) => x.id === s.id))]))
      .catch(() => {
        /* the history is a convenience: asking works without it */
      });
    return () => {
      live = false;
    };
  }, [dataProvider]);

  const update = (key: string, patch: Partial<Turn> | ((t: Turn) => Partial<Turn>)) =>
    setTurns((ts) => ts.map((t) => (t.key === key ? { ...t, ...(typeof patch === 'function' ? patch(t) : patch) } : t)));

  /** Evaluators see what retrieval did; a late result for an older query does not replace a newer one. */
  const debugSearch = (key: string, query: string) => {
    update(key, { debugQuery: query });
    dataProvider
      .search({ query, debug: true })
      .then((r) => update(key, (t) => (t.debugQuery === query ? { debug: r } : {})))
      .catch(() => {
        /* the debug view is optional; the answer below reports real failures */
      });
  };

  const ask = async (e?: FormEvent) => {
    e?.preventDefault();
    const q = question.trim();
    if (!q || busy) return;
    const key = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const conversation: ConversationTurn[] = turns
      .filter((t) => t.phase === 'done' && t.answer)
      .flatMap((t) => [
        { role: 'user' as const, content: t.question },
        { role: 'assistant' as const, content: t.answer!.answer },
      ]);
    setTurns((ts) => [...ts, { key, question: q, text: '', citations: [], phase: 'searching' }]);
    setQuestion('');
    const controller = new AbortController();
    abort.current = controller;
    // A first question is searched as typed, so its debug search starts at once; a follow-up is
    // searched as the engine rewrote it, known once the answer says so (retrieval_query).
    if (debug && conversation.length === 0) debugSearch(key, q);
    try {
      const answer = await dataProvider.ask(
        { question: q, ...(conversation.length ? { conversation } : {}), ...(webAllowed && web ? { web: true } : {}) },
        {
          onDelta: (d) => update(key, (t) => ({ phase: 'streaming', text: t.text + d })),
          onCitations: (c) => update(key, { citations: c }),
        },
        controller.signal,
      );
      update(key, { answer, phase: 'done' });
      const used = answer.retrieval_query;
      const searched = conversation.length === 0 ? q : undefined;
      if (debug && used && used !== searched) debugSearch(key, used);
      setHistory((h) => addToHistory(h, { id: answer.id, question: q, at: new Date().toISOString(), answer, conversation }));
    } catch (err) {
      if (controller.signal.aborted) return;
      update(key, { phase: 'error', error: (err as Error).message });
    } finally {
      inputRef.current?.focus();
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    // Enter sends, Shift+Enter adds a line.
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void ask();
    }
  };

  const reopen = (h: HistoryEntry) => {
    setTurns(
      reopenedTurns(h, history).map((x, i) => ({
        key: `${h.id}-${i}`,
        question: x.question,
        text: x.answer.answer,
        citations: x.answer.citations,
        answer: x.answer,
        phase: 'done',
      })),
    );
  };

  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: { xs: 'minmax(0, 1fr)', lg: 'minmax(0, 1fr) 280px' }, gap: 2, mt: 2, pb: 2 }}>
      <Title title={translate('cite.ask.title')} />
      <Box component="main" aria-label={translate('cite.ask.title')} sx={{ minWidth: 0 }}>
        <Box sx={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', mb: 2, gap: 1 }}>
          <Typography variant="h5" component="h1">
            {translate('cite.ask.title')}
          </Typography>
          {turns.length > 0 && (
            <Button startIcon={<AddCommentIcon />} onClick={() => setTurns([])} disabled={busy}>
              {translate('cite.ask.new_conversation')}
            </Button>
          )}
        </Box>
        <Box aria-live="polite" data-testid="conversation">
          {turns.map((t) => (
            <TurnView key={t.key} turn={t} debug={debug} onCite={setOpen} />
          ))}
        </Box>
        <Box component="form" onSubmit={ask} sx={{ display: 'flex', gap: 1, alignItems: 'flex-end' }}>
          <TextField
            inputRef={inputRef}
            id="ask-question"
            label={translate(turns.length ? 'cite.ask.follow_up' : 'cite.ask.title')}
            placeholder={translate('cite.ask.placeholder')}
            value={question}
            onChange={(e) => setQuestion(e.target.value)}
            onKeyDown={onKeyDown}
            multiline
            maxRows={6}
            fullWidth
            autoFocus
            slotProps={{ htmlInput: { maxLength: 4000, 'data-testid': 'question' } }}
          />
          <Button type="submit" variant="contained" disabled={busy || !question.trim()} endIcon={<SendIcon />} sx={{ height: 56 }} data-testid="ask-send">
            {translate('cite.ask.send')}
          </Button>
        </Box>
        {webAllowed && (
          <FormControlLabel
            control={<Switch checked={web} onChange={(e) => setWeb(e.target.checked)} slotProps={{ input: { 'aria-label': translate('cite.ask.include_web') } }} data-testid="include-web" />}
            label={translate('cite.ask.include_web')}
          />
        )}
      </Box>
      <Box component="aside" aria-labelledby="history-title" sx={{ minWidth: 0 }}>
        <Card variant="outlined">
          <CardContent sx={{ p: 1, '&:last-child': { pb: 1 } }}>
            <Typography id="history-title" variant="subtitle1" component="h2" sx={{ px: 1 }}>
              {translate('cite.ask.history')}
            </Typography>
            {history.length === 0 ? (
              <Typography variant="body2" color="text.secondary" sx={{ px: 1 }}>
                {translate('cite.ask.no_history')}
              </Typography>
            ) : (
              <List dense data-testid="history">
                {history.map((h) => (
                  <ListItemButton key={h.id} onClick={() => reopen(h)} disabled={busy}>
                    <ListItemText
                      primary={h.question}
                      secondary={formatDate(h.at, locale)}
                      slotProps={{ primary: { noWrap: true } }}
                    />
                  </ListItemButton>
                ))}
              </List>
            )}
          </CardContent>
        </Card>
      </Box>
      <CitationDialog citation={open} onClose={() => setOpen(null)} />
    </Box>
  );
}
