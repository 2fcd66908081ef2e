/**
 * Client for any OpenAI-compatible chat server (Albert API, vLLM, Ollama, Mistral, OpenAI):
 * `POST {base}/chat/completions`, streamed (SSE) or not. Plain fetch, so no SDK decides retries or
 * timeouts for us: connection failures, 408/429/5xx and time-outs are retried with exponential
 * backoff (honouring Retry-After) as long as no token has been handed to the caller yet; after
 * that, a failure is final, since the caller has already shown part of the answer.
 */
import type { Logger } from 'pino';
import { CONFIG_DEFAULTS } from '@cite/core/config/config.js';
import { CiteError } from '@cite/core/errors.js';
import { readBoundedText } from '@cite/core/outbound/bounded-body.js';
import { LONE_SURROGATE } from '@cite/core/text/whole-characters.js';
import { modelCallDuration, modelCallErrors } from '@cite/core/observability/metrics.js';
import { parseRetryAfter } from '@cite/core/outbound/retry-after.js';
import type { ChatMessage } from './prompt.js';

export interface LlmClientOptions {
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** Time allowed to a whole answer; streamed, to the first words and between two pieces of text. */
  timeoutMs: number;
  /**
   * Time allowed to a whole streamed answer (LLM_STREAM_MAX_MS): a server trickling a character just
   * under `timeoutMs` apart would otherwise hold the request for hours.
   */
  streamMaxMs?: number;
  maxRetries: number;
  /** Longest completion asked for, in tokens, when a request does not say (LLM_MAX_TOKENS). */
  maxTokens?: number;
  /** First backoff delay; doubles at each retry (with jitter). */
  backoffMs?: number;
  log?: Logger;
}

export interface CompletionRequest {
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal;
  /** When given, the completion is streamed and each text delta is passed here as it arrives. */
  onToken?: (delta: string) => void;
}

export interface Completion {
  text: string;
  model: string;
  finishReason: string | null;
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number };
  attempts: number;
  /** Milliseconds from the request to the first token (streaming) or to the response. */
  firstTokenMs: number;
}

const RETRYABLE_STATUS = new Set([408, 409, 425, 429, 500, 502, 503, 504]);

/** C0 controls but tab, line feed and carriage return. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

/**
 * Model text without what cannot be stored: PostgreSQL refuses NUL in text (an answer then failed with a
 * 500 and, streamed, stayed `pending` for ever) and unpaired surrogates in jsonb (an unsupported sentence
 * holding one failed the answer's record). A model's text is untrusted: it may echo anything.
 */
export function storableText(text: string): string {
  return text.replace(CONTROL, '').replace(LONE_SURROGATE, '');
}
const MAX_BACKOFF_MS = 10_000;

/**
 * Characters of a completion read per token asked for. French runs at 4–5 characters a token, so a server
 * that ignores max_tokens is cut off at about twice the longest answer it was asked for. Verifying an answer
 * is linear in its length on the event loop (1.3 s for 65 KB against 8 sources, 13 s for 1.3 MB): a model
 * looping, or obeying a source's "repeat this", stalled every request of the engine.
 */
const CHARS_PER_TOKEN_READ = 8;
/** Bytes of a response body per character allowed (a JSON `\uXXXX` escape), plus its envelope. */
const BYTES_PER_CHAR = 6;
const ENVELOPE_BYTES = 64 * 1024;

export class LlmClient {
  readonly model: string;
  private readonly url: string;

  constructor(private readonly options: LlmClientOptions) {
    this.model = options.model;
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    const started = Date.now();
    let attempt = 0;
    for (;;) {
      attempt++;
      const state = { emitted: false };
      const end = modelCallDuration.startTimer({ kind: 'chat', model: this.model });
      try {
        const result = await this.once(request, state);
        end();
        return { ...result, attempts: attempt, firstTokenMs: result.firstTokenMs - started };
      } catch (e) {
        end();
        const err = toCiteError(e, this.options.timeoutMs);
        if (err.code !== 'REQUEST_ABORTED') modelCallErrors.inc({ kind: 'chat', model: this.model });
        const canRetry = err.retryable && !state.emitted && attempt <= this.options.maxRetries && !request.signal?.aborted;
        this.options.log?.warn({ code: err.code, attempt, retrying: canRetry }, 'language model call failed');
        if (!canRetry) throw err;
        await sleep(this.backoff(attempt, (err.details as { retryAfterMs?: number } | undefined)?.retryAfterMs), request.signal);
      }
    }
  }

  private backoff(attempt: number, retryAfterMs?: number): number {
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, MAX_BACKOFF_MS);
    const base = (this.options.backoffMs ?? 300) * 2 ** (attempt - 1);
    return Math.min(base * (0.75 + Math.random() * 0.5), MAX_BACKOFF_MS);
  }

  private async once(
    request: CompletionRequest,
    state: { emitted: boolean },
  ): Promise<Omit<Completion, 'attempts'>> {
    const stream = Boolean(request.onToken);
    const maxTokens = request.maxTokens ?? this.options.maxTokens ?? CONFIG_DEFAULTS.LLM_MAX_TOKENS;
    const chars = maxTokens * CHARS_PER_TOKEN_READ;
    const limit = { maxTokens, chars, bytes: chars * BYTES_PER_CHAR + ENVELOPE_BYTES };
    const timeout = new AbortController();
    let timer = setTimeout(() => timeout.abort(new TimeoutSignal()), this.options.timeoutMs);
    const rearm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => timeout.abort(new TimeoutSignal()), this.options.timeoutMs);
    };
    const streamMaxMs = this.options.streamMaxMs ?? CONFIG_DEFAULTS.LLM_STREAM_MAX_MS;
    const whole = stream ? setTimeout(() => timeout.abort(new TimeoutSignal(streamMaxMs, 'stream')), streamMaxMs) : undefined;
    const signal = request.signal ? AbortSignal.any([request.signal, timeout.signal]) : timeout.signal;
    try {
      let res: Response;
      try {
        res = await fetch(this.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: stream ? 'text/event-stream' : 'application/json',
            ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
          },
          body: JSON.stringify({
            model: this.model,
            messages: request.messages,
            stream,
            // so the token count arrives in the last event (servers that do not know it ignore it)
            ...(stream ? { stream_options: { include_usage: true } } : {}),
            temperature: request.temperature ?? 0.1,
            max_tokens: maxTokens,
          }),
          signal,
        });
      } catch (e) {
        throw timeout.signal.aborted ? new TimeoutSignal() : e;
      }
      if (!res.ok) throw await httpError(res);
      const type = res.headers.get('content-type') ?? '';
      if (stream && type.includes('text/event-stream')) {
        return await this.readStream(res, request.onToken!, state, rearm, timeout.signal, limit);
      }
      // A non-streaming answer (or a server that ignores `stream`): one JSON document.
      let body: unknown;
      try {
        body = JSON.parse(await readBoundedText(res, limit.bytes, () => tooLong(limit)));
      } catch (e) {
        if (timeout.signal.aborted) throw new TimeoutSignal();
        if (e instanceof CiteError) throw e;
        throw new CiteError('LLM_BAD_RESPONSE', 'The language model server returned a response that is not JSON', { status: 502, cause: e });
      }
      const parsed = body as {
        model?: string;
        choices?: Array<{ message?: { content?: string | null }; finish_reason?: string | null }>;
        usage?: Completion['usage'];
      };
      const choice = parsed.choices?.[0];
      if (!choice || typeof choice.message?.content !== 'string') {
        throw new CiteError('LLM_BAD_RESPONSE', 'The language model server returned no message content', { status: 502 });
      }
      const firstTokenMs = Date.now();
      if (choice.message.content.length > limit.chars) throw tooLong(limit);
      const content = storableText(choice.message.content);
      if (request.onToken && content) {
        state.emitted = true;
        request.onToken(content);
      }
      const finishReason = choice.finish_reason ?? null;
      return { text: content, model: parsed.model ?? this.model, finishReason, usage: parsed.usage, firstTokenMs };
    } catch (e) {
      // which of the two clocks ran out
      throw e instanceof TimeoutSignal && timeout.signal.reason instanceof TimeoutSignal ? timeout.signal.reason : e;
    } finally {
      clearTimeout(timer);
      clearTimeout(whole);
    }
  }

  private async readStream(
    res: Response,
    onToken: (delta: string) => void,
    state: { emitted: boolean },
    rearm: () => void,
    timeoutSignal: AbortSignal,
    limit: ReadLimit,
  ): Promise<Omit<Completion, 'attempts'>> {
    let text = '';
    let model = this.model;
    let finishReason: string | null = null;
    let usage: Completion['usage'];
    let firstTokenMs = 0;
    let done = false;
    const decoder = new TextDecoder();
    let buffer = '';
    /** A high surrogate ending a delta waits for its other half, which may open the next one. */
    let heldSurrogate = '';
    const handleEvent = (data: string) => {
      if (data === '[DONE]') {
        done = true;
        return;
      }
      let chunk: {
        model?: string;
        choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>;
        usage?: Completion['usage'];
        error?: { message?: string };
      };
      try {
        chunk = JSON.parse(data);
      } catch (e) {
        throw new CiteError('LLM_BAD_RESPONSE', 'The language model server sent a stream event that is not JSON', { status: 502, cause: e });
      }
      if (chunk.error) {
        throw new CiteError('LLM_STREAM_ERROR', `The language model server reported an error mid-stream: ${chunk.error.message ?? 'unknown'}`, {
          status: 502,
          retryable: true,
        });
      }
      if (chunk.model) model = chunk.model;
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices?.[0];
      const delta = choice?.delta?.content;
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      let clean = heldSurrogate + (delta ?? '');
      heldSurrogate = /[\ud800-\udbff]$/.test(clean) ? clean.slice(-1) : '';
      clean = storableText(heldSurrogate ? clean.slice(0, -1) : clean);
      if (clean) {
        // only words restart the clock: keep-alive comments, role-only and empty deltas do not
        rearm();
        if (!firstTokenMs) firstTokenMs = Date.now();
        text += clean;
        if (text.length > limit.chars) throw tooLong(limit);
        state.emitted = true;
        onToken(clean);
      }
    };
    try {
      for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(bytes, { stream: true });
        // an event that never ends (no blank line) would otherwise grow the buffer without bound
        if (buffer.length > limit.bytes) throw tooLong(limit);
        // Events end with a blank line; lines may end with \r\n.
        let sep: RegExpExecArray | null;
        while ((sep = /\r?\n\r?\n/.exec(buffer))) {
          const raw = buffer.slice(0, sep.index);
          buffer = buffer.slice(sep.index + sep[0].length);
          const data = raw
            .split(/\r?\n/)
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).replace(/^ /, ''))
            .join('\n');
          if (data) handleEvent(data);
          if (done) break;
        }
        if (done) break;
      }
    } catch (e) {
      if (timeoutSignal.aborted) throw new TimeoutSignal();
      if (e instanceof CiteError || (e as Error)?.name === 'AbortError') throw e;
      throw new CiteError('LLM_STREAM_INTERRUPTED', 'The language model server closed the stream before the answer was complete', {
        status: 502,
        retryable: true,
        cause: e,
      });
    }
    if (!done && buffer.trim().startsWith('data:')) handleEvent(buffer.trim().slice(5).trim());
    if (!done && finishReason === null) {
      throw new CiteError('LLM_STREAM_INTERRUPTED', 'The language model stream ended before the answer was complete', {
        status: 502,
        retryable: true,
      });
    }
    return { text, model, finishReason, usage, firstTokenMs: firstTokenMs || Date.now() };
  }
}

interface ReadLimit {
  maxTokens: number;
  /** Characters of completion text read at most. */
  chars: number;
  /** Bytes of a response (or of a stream's pending event) read at most. */
  bytes: number;
}

function tooLong(limit: ReadLimit): CiteError {
  return new CiteError(
    'LLM_ANSWER_TOO_LONG',
    `The language model's answer ran past ${limit.chars} characters though ${limit.maxTokens} tokens were asked for ` +
      '(LLM_MAX_TOKENS): the server ignores max_tokens, or the model did not stop',
    { status: 502 },
  );
}

class TimeoutSignal extends Error {
  /** `wait`: no answer, or no new words, within LLM_TIMEOUT_MS; `stream`: the whole stream past LLM_STREAM_MAX_MS. */
  constructor(
    readonly ms?: number,
    readonly clock: 'wait' | 'stream' = 'wait',
  ) {
    super('timeout');
  }
}

async function httpError(res: Response): Promise<CiteError> {
  const body = await res.text().catch(() => '');
  let detail = body.slice(0, 300);
  try {
    const j = JSON.parse(body) as { error?: { message?: string } | string; message?: string };
    detail = (typeof j.error === 'string' ? j.error : j.error?.message) ?? j.message ?? detail;
  } catch {
    /* not JSON: keep the text */
  }
  const details = { upstreamStatus: res.status, retryAfterMs: parseRetryAfter(res.headers.get('retry-after')) };
  if (res.status === 401 || res.status === 403) {
    return new CiteError('LLM_AUTH_FAILED', `The language model server refused the credentials (HTTP ${res.status}); check LLM_API_KEY`, { status: 502, details });
  }
  if (res.status === 404) {
    return new CiteError('LLM_NOT_FOUND', `The language model server has no such endpoint or model (HTTP 404): ${detail}; check LLM_BASE_URL and LLM_MODEL`, { status: 502, details });
  }
  return new CiteError('LLM_HTTP_ERROR', `The language model server answered HTTP ${res.status}: ${detail}`, {
    status: 502,
    retryable: RETRYABLE_STATUS.has(res.status),
    details,
  });
}

function toCiteError(e: unknown, timeoutMs: number): CiteError {
  if (e instanceof CiteError) return e;
  if (e instanceof TimeoutSignal && e.clock === 'stream') {
    return new CiteError('LLM_TIMEOUT', `The language model's streamed answer was not complete within ${e.ms} ms (LLM_STREAM_MAX_MS)`, {
      status: 504,
      retryable: true,
      cause: e,
    });
  }
  if (e instanceof TimeoutSignal) {
    return new CiteError('LLM_TIMEOUT', `The language model server did not answer within ${timeoutMs} ms`, { status: 504, retryable: true, cause: e });
  }
  if ((e as Error)?.name === 'AbortError') {
    return new CiteError('REQUEST_ABORTED', 'The request was cancelled', { status: 499, cause: e });
  }
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  return new CiteError('LLM_UNREACHABLE', `Cannot reach the language model server: ${cause?.code ?? cause?.message ?? (e as Error)?.message ?? String(e)}`, {
    status: 502,
    retryable: true,
    cause: e,
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CiteError('REQUEST_ABORTED', 'The request was cancelled', { status: 499 }));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new CiteError('REQUEST_ABORTED', 'The request was cancelled', { status: 499 }));
    }, { once: true });
  });
}
