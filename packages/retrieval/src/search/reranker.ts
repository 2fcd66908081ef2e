/**
 * Optional reranking stage: a cross-encoder reads (query, passage) pairs and re-scores the best fused
 * candidates. Off by default (SEARCH_RERANKER empty). Two providers, as for embeddings: a local ONNX
 * cross-encoder through @huggingface/transformers (from MODELS_DIR), or a server speaking the common
 * `/rerank` API (TEI, vLLM, Infinity, Jina: `{model, query, documents}` → `{results: [{index, relevance_score}]}`).
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '@cite/core/config/config.js';
import { CiteError } from '@cite/core/errors.js';

export interface Reranker {
  readonly id: string;
  /** One relevance score per passage, higher is better, in input order. */
  rerank(query: string, passages: readonly string[], signal?: AbortSignal): Promise<number[]>;
  close?(): Promise<void>;
}

export async function createReranker(
  cfg: Pick<Config, 'SEARCH_RERANKER' | 'MODELS_DIR' | 'DATA_DIR' | 'MODELS_ALLOW_DOWNLOAD' | 'EMBEDDINGS_BASE_URL' | 'EMBEDDINGS_API_KEY'>,
  log?: Logger,
): Promise<Reranker | null> {
  const spec = cfg.SEARCH_RERANKER;
  if (!spec) return null;
  const colon = spec.indexOf(':');
  const kind = spec.slice(0, colon);
  const model = spec.slice(colon + 1);
  if (kind === 'openai') {
    if (!cfg.EMBEDDINGS_BASE_URL) {
      throw new CiteError('CONFIG_INVALID', 'SEARCH_RERANKER=openai:<model> needs EMBEDDINGS_BASE_URL (the server offering /rerank)');
    }
    return new HttpReranker(cfg.EMBEDDINGS_BASE_URL, model, cfg.EMBEDDINGS_API_KEY);
  }
  if (kind === 'transformers') {
    return TransformersReranker.load(model, cfg.MODELS_DIR ?? path.join(cfg.DATA_DIR, 'models'), cfg.MODELS_ALLOW_DOWNLOAD, log);
  }
  throw new CiteError('CONFIG_INVALID', `SEARCH_RERANKER: unknown provider "${spec}"`);
}

export class HttpReranker implements Reranker {
  readonly id: string;
  constructor(
    private readonly baseUrl: string,
    private readonly model: string,
    private readonly apiKey?: string,
    private readonly timeoutMs = 30000,
  ) {
    this.id = `openai:${model}`;
  }

  async rerank(query: string, passages: readonly string[], signal?: AbortSignal): Promise<number[]> {
    if (passages.length === 0) return [];
    const url = `${this.baseUrl.replace(/\/$/, '')}/rerank`;
    const signals = [AbortSignal.timeout(this.timeoutMs), ...(signal ? [signal] : [])];
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) },
        body: JSON.stringify({ model: this.model, query, documents: passages }),
        signal: AbortSignal.any(signals),
      });
    } catch (e) {
      throw new CiteError('RERANKER_UNAVAILABLE', `The reranker at ${url} did not answer: ${(e as Error).message}`, {
        status: 502,
        retryable: true,
        cause: e,
      });
    }
    if (!res.ok) {
      throw new CiteError('RERANKER_FAILED', `The reranker at ${url} answered ${res.status}`, { status: 502, retryable: res.status >= 500 });
    }
    const body = (await res.json().catch(() => null)) as { results?: Array<{ index?: unknown; relevance_score?: unknown; score?: unknown }> } | null;
    const scores = new Array<number>(passages.length).fill(Number.NEGATIVE_INFINITY);
    for (const r of body?.results ?? []) {
      const score = Number(r.relevance_score ?? r.score);
      if (Number.isInteger(r.index) && (r.index as number) >= 0 && (r.index as number) < passages.length && Number.isFinite(score)) {
        scores[r.index as number] = score;
      }
    }
    if (scores.some((s) => s === Number.NEGATIVE_INFINITY)) {
      throw new CiteError('RERANKER_FAILED', `The reranker at ${url} did not score every passage`, { status: 502 });
    }
    return scores;
  }
}

type SequenceClassifier = (inputs: Record<string, unknown>) => Promise<{ logits: { data: Float32Array | number[]; dims: number[] } }>;
type PairTokenizer = (texts: string[], options: Record<string, unknown>) => Record<string, unknown>;

/** Local cross-encoder (e.g. a multilingual MiniLM/BGE reranker exported to ONNX). */
export class TransformersReranker implements Reranker {
  readonly id: string;
  private constructor(
    model: string,
    private readonly tokenizer: PairTokenizer,
    private readonly classify: SequenceClassifier,
    private readonly batchSize = 16,
  ) {
    this.id = `transformers:${model}`;
  }

  static async load(model: string, modelsDir: string, allowDownload: boolean, log?: Logger): Promise<TransformersReranker> {
    const { env, AutoTokenizer, AutoModelForSequenceClassification } = await import('@huggingface/transformers');
    env.localModelPath = path.resolve(modelsDir);
    env.allowLocalModels = true;
    env.allowRemoteModels = allowDownload;
    try {
      const tokenizer = (await AutoTokenizer.from_pretrained(model)) as unknown as PairTokenizer;
      const classifier = await AutoModelForSequenceClassification.from_pretrained(model, { dtype: 'fp32' });
      log?.info({ model }, 'reranker loaded');
      return new TransformersReranker(model, tokenizer, (inputs) => (classifier as unknown as SequenceClassifier)(inputs));
    } catch (e) {
      throw new CiteError('RERANKER_UNAVAILABLE', `Cannot load the reranker model "${model}" from ${modelsDir}: ${(e as Error).message}`, {
        status: 503,
        cause: e,
      });
    }
  }

  async rerank(query: string, passages: readonly string[]): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < passages.length; i += this.batchSize) {
      const batch = passages.slice(i, i + this.batchSize);
      const inputs = this.tokenizer(batch.map(() => query), { text_pair: [...batch], padding: true, truncation: true });
      const { logits } = await this.classify(inputs);
      // one logit per pair (relevance), or two (irrelevant, relevant): keep the relevant one
      const width = logits.dims[1] ?? 1;
      for (let j = 0; j < batch.length; j++) out.push(Number(logits.data[j * width + (width - 1)]));
    }
    return out;
  }
}
