import { modelCallDuration, modelCallErrors } from '../observability/metrics.js';
import { CONFIG_DEFAULTS } from '../config/config.js';
import { CiteError } from '../errors.js';
import { parseRetryAfter } from '../outbound/retry-after.js';
import type { Embedder } from './embedder.js';
import { approximateTokens, normalise } from './embedder.js';

/**
 * Any OpenAI-compatible `/v1/embeddings` server (Albert API, vLLM, TEI, Ollama, OpenAI).
 * Inputs are sent in batches; 429 and 5xx answers, network errors and timeouts are retried with
 * exponential backoff (a 429's Retry-After is honoured); anything else fails at once with a
 * CiteError naming the server and what it said.
 */
export interface OpenAIEmbedderOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Inputs per request. */
  batchSize?: number;
  timeoutMs?: number;
  maxRetries?: number;
  /** First backoff delay; doubles at each retry. */
  backoffMs?: number;
  /** Longest wait accepted from a Retry-After header. */
  maxRetryAfterMs?: number;
  /** Known dimension; when absent it is learnt by embedding a probe text at creation. */
  dimension?: number;
}

const defaults = {
  batchSize: CONFIG_DEFAULTS.EMBEDDINGS_BATCH_SIZE,
  timeoutMs: CONFIG_DEFAULTS.EMBEDDINGS_TIMEOUT_MS,
  maxRetries: CONFIG_DEFAULTS.EMBEDDINGS_MAX_RETRIES,
  backoffMs: 500,
  maxRetryAfterMs: 60_000,
};

interface EmbeddingsResponse {
  data?: { embedding?: unknown; index?: number }[];
}

export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  dimension: number;
  private readonly opts: Required<Omit<OpenAIEmbedderOptions, 'apiKey' | 'dimension'>> & { apiKey?: string };
  private readonly endpoint: string;
  /** e5 models served by TEI/vLLM still expect their prefixes. */
  private readonly e5: boolean;

  constructor(options: OpenAIEmbedderOptions) {
    this.opts = { ...defaults, ...options };
    this.id = `openai:${options.model}`;
    this.dimension = options.dimension ?? 0;
    this.endpoint = `${options.baseUrl.replace(/\/+$/, '')}/embeddings`;
    this.e5 = /(^|[/-])e5([-/]|$)/i.test(options.model);
  }

  /** Learns the dimension from the server when it was not given. */
  async init(): Promise<this> {
    if (!this.dimension) {
      const [v] = await this.request(['dimension probe']);
      this.dimension = v!.length;
    }
    return this;
  }

  async embedDocuments(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    const prefixed = this.e5 ? texts.map((t) => `passage: ${t}`) : texts;
    for (let i = 0; i < prefixed.length; i += this.opts.batchSize) {
      out.push(...(await this.request(prefixed.slice(i, i + this.opts.batchSize))));
    }
    return out;
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const [v] = await this.request([this.e5 ? `query: ${text}` : text]);
    return v!;
  }

  countTokens(text: string): number {
    return approximateTokens(text);
  }

  private async request(input: readonly string[]): Promise<Float32Array[]> {
    let attempt = 0;
    for (;;) {
      const end = modelCallDuration.startTimer({ kind: 'embeddings', model: this.opts.model });
      const outcome = await this.attempt(input);
      end();
      if (outcome.ok) return outcome.vectors;
      modelCallErrors.inc({ kind: 'embeddings', model: this.opts.model });
      const err = outcome.error;
      if (!err.retryable || attempt >= this.opts.maxRetries) {
        if (err.retryable && attempt > 0) {
          throw new CiteError(err.code, `${err.message} (gave up after ${attempt + 1} attempts)`, {
            status: err.status,
            retryable: true,
            cause: err.cause,
          });
        }
        throw err;
      }
      const backoff = this.opts.backoffMs * 2 ** attempt;
      const wait = outcome.retryAfterMs !== undefined ? Math.min(outcome.retryAfterMs, this.opts.maxRetryAfterMs) : backoff;
      await new Promise((r) => setTimeout(r, wait));
      attempt++;
    }
  }

  private async attempt(
    input: readonly string[],
  ): Promise<{ ok: true; vectors: Float32Array[] } | { ok: false; error: CiteError; retryAfterMs?: number }> {
    const where = `embeddings server ${this.endpoint}`;
    let res: Response;
    try {
      res = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {}),
        },
        body: JSON.stringify({ model: this.opts.model, input, encoding_format: 'float' }),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (e) {
      const timedOut = (e as Error).name === 'TimeoutError' || (e as Error).name === 'AbortError';
      return {
        ok: false,
        error: timedOut
          ? new CiteError('EMBEDDINGS_TIMEOUT', `${where} did not answer within ${this.opts.timeoutMs} ms`, {
              status: 504,
              retryable: true,
              cause: e,
            })
          : new CiteError('EMBEDDINGS_UNREACHABLE', `Cannot reach ${where}: ${describeNetworkError(e)}`, {
              status: 502,
              retryable: true,
              cause: e,
            }),
      };
    }
    let body: string;
    try {
      body = await res.text();
    } catch (e) {
      return {
        ok: false,
        error: new CiteError('EMBEDDINGS_UNREACHABLE', `${where} closed the connection: ${(e as Error).message}`, {
          status: 502,
          retryable: true,
          cause: e,
        }),
      };
    }
    if (res.status === 429) {
      return {
        ok: false,
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
        error: new CiteError('EMBEDDINGS_RATE_LIMITED', `${where} is rate limiting requests (429)`, {
          status: 503,
          retryable: true,
        }),
      };
    }
    if (res.status === 401 || res.status === 403) {
      return {
        ok: false,
        error: new CiteError(
          'EMBEDDINGS_AUTH_FAILED',
          `${where} refused the credentials (${res.status}): check EMBEDDINGS_API_KEY. Server said: ${snippet(body)}`,
          { status: 502 },
        ),
      };
    }
    if (res.status >= 500) {
      return {
        ok: false,
        error: new CiteError('EMBEDDINGS_SERVER_ERROR', `${where} failed (${res.status}): ${snippet(body)}`, {
          status: 502,
          retryable: true,
        }),
      };
    }
    if (!res.ok) {
      return {
        ok: false,
        error: new CiteError(
          'EMBEDDINGS_REQUEST_REFUSED',
          `${where} refused the request (${res.status}) for model "${this.opts.model}": ${snippet(body)}`,
          { status: 502 },
        ),
      };
    }
    try {
      return { ok: true, vectors: this.parse(body, input.length) };
    } catch (e) {
      return {
        ok: false,
        error: new CiteError('EMBEDDINGS_BAD_RESPONSE', `${where} sent an unusable answer: ${(e as Error).message}`, {
          status: 502,
          cause: e,
        }),
      };
    }
  }

  private parse(body: string, expected: number): Float32Array[] {
    const json = JSON.parse(body) as EmbeddingsResponse;
    if (!Array.isArray(json.data)) throw new Error(`no "data" array in ${snippet(body)}`);
    if (json.data.length !== expected) throw new Error(`expected ${expected} embeddings, got ${json.data.length}`);
    const sorted = [...json.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    return sorted.map((item, i) => {
      const e = item.embedding;
      if (!Array.isArray(e) || e.length === 0 || !e.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw new Error(`embedding ${i} is not an array of numbers`);
      }
      if (this.dimension && e.length !== this.dimension) {
        throw new Error(`embedding ${i} has ${e.length} dimensions, expected ${this.dimension}`);
      }
      return normalise(Float32Array.from(e as number[]));
    });
  }
}

function snippet(body: string): string {
  const s = body.replace(/\s+/g, ' ').trim();
  return s.length > 300 ? `${s.slice(0, 300)}…` : s || '(empty body)';
}

function describeNetworkError(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message;
}
