/**
 * Answering, end to end: store the question, retrieve, decide whether to abstain, generate
 * (language model or extractive), verify citations, store the outcome. Streaming callers get a
 * `start` callback once retrieval and prompt assembly are done (time to first byte), then text
 * deltas; the verified answer is the return value. A failure after the question was stored
 * completes the record with status 'error' before the error propagates: no answer is lost.
 */
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { approximateTokens, type Embedder } from '../embeddings/embedder.js';
import { CiteError, badRequest } from '../errors.js';
import { abstentionText, closestSources, decideAbstention, DEFAULT_MIN_RELEVANCE, relevance, type ClosestSource } from './abstain.js';
import { completeAnswer, insertPendingAnswer, type AnswerMode, type RetrievedRef } from './answers-repo.js';
import { createMarkerFilter, parseCitations, stripMarkers } from './citations.js';
import { extractiveAnswer } from './extractive.js';
import { splitSentences } from './sentences.js';
import { detectLanguage, type AnswerLanguage } from './language.js';
import type { LlmClient } from './llm-client.js';
import { buildPrompt, type ChatMessage } from './prompt.js';
import { DEFAULT_SUPPORT_THRESHOLD } from './support.js';
import { termSet } from './text.js';
import { numberSources, type Citation, type NumberedSource, type RetrievedPassage, type UnsupportedSentence } from './types.js';
import { isModelAbstention, verifyAnswer } from './verify.js';

export interface RetrieveInput {
  query: string;
  k: number;
  filters?: Record<string, unknown>;
  /** Collections the asking key may read (null = all). */
  allowedCollections: number[] | null;
  signal?: AbortSignal;
}
export type Retriever = (input: RetrieveInput) => Promise<RetrievedPassage[]>;

export interface AnswerServiceOptions {
  /** Passages retrieved by default. */
  k: number;
  /** Share of the question's terms a passage must cover for Cité to answer at all. */
  minRelevance: number;
  /** Minimum support score for a citation to back a sentence. */
  supportThreshold: number;
  /** Characters of passage text given to the model at most. */
  maxSourceChars: number;
  temperature: number;
}

export const DEFAULT_ANSWER_OPTIONS: AnswerServiceOptions = {
  k: 8,
  minRelevance: DEFAULT_MIN_RELEVANCE,
  supportThreshold: DEFAULT_SUPPORT_THRESHOLD,
  maxSourceChars: 16000,
  temperature: 0.1,
};

export interface AnswerDeps {
  db: Database;
  retrieve: Retriever;
  /** Absent: extractive answers. */
  llm?: LlmClient | null;
  /**
   * Blends embedding similarity into the support check of generated sentences (paraphrases a
   * word count misses). Default: only with a semantic embedder, not the character-hash one.
   */
  embedder?: () => Promise<Embedder>;
  supportEmbeddings?: boolean;
  log?: Logger;
  options?: Partial<AnswerServiceOptions>;
}

export interface StartInfo {
  id: string;
  mode: AnswerMode;
  model: string | null;
  language: AnswerLanguage;
  sources: Array<{ n: number; chunk_id: number | string; url: string; title: string }>;
}

export interface AskInput {
  question: string;
  /** Earlier turns, oldest first (chat completions). */
  conversation?: ChatMessage[];
  filters?: Record<string, unknown>;
  k?: number;
  caller: { keyId: number | null; collections: number[] | null };
  signal?: AbortSignal;
  onStart?: (info: StartInfo) => void;
  onToken?: (text: string) => void;
}

export interface AnswerResult {
  id: string;
  answer: string;
  citations: Citation[];
  unsupported: UnsupportedSentence[];
  abstained: boolean;
  /** Closest sources, when abstaining. */
  closest_sources?: ClosestSource[];
  removed_citations: number;
  removed_links: number;
  mode: AnswerMode;
  model: string | null;
  language: AnswerLanguage;
  status: 'ok';
  timings: Record<string, number>;
  /** Tokens the language model read and wrote (as it reported them, else estimated); extractive answers read none. */
  usage: TokenUsage;
}

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

function tokenUsage(prompt: number, completion: number): TokenUsage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export const MAX_QUESTION_CHARS = 4000;

/** The retrieval query: the question, plus the previous user turn when the question leans on it. */
export function retrievalQuery(question: string, conversation: ChatMessage[] = []): string {
  const previous = conversation.filter((m) => m.role === 'user').slice(-2).map((m) => m.content.slice(0, 500));
  if (previous.length === 0) return question;
  return `${previous.join(' ')} ${question}`;
}

export class AnswerService {
  readonly options: AnswerServiceOptions;

  constructor(private readonly deps: AnswerDeps) {
    this.options = { ...DEFAULT_ANSWER_OPTIONS, ...deps.options };
  }

  get mode(): AnswerMode {
    return this.deps.llm ? 'llm' : 'extractive';
  }

  get model(): string | null {
    return this.deps.llm?.model ?? null;
  }

  /** Cosine similarity of each generated sentence with each source, from one batch of embeddings. */
  private async embeddingSimilarity(
    text: string,
    sources: NumberedSource[],
  ): Promise<((sentence: string, source: NumberedSource) => number | undefined) | undefined> {
    const embedder = await this.deps.embedder!();
    if (!(this.deps.supportEmbeddings ?? !embedder.id.startsWith('hash'))) return undefined;
    const claims = [...new Set(splitSentences(parseCitations(text, sources.length).text).map((s) => stripMarkers(s.text)))];
    if (claims.length === 0 || sources.length === 0) return undefined;
    const vectors = await embedder.embedDocuments([...claims, ...sources.map((s) => s.text)]);
    const claimVec = new Map(claims.map((c, i) => [c, vectors[i]!]));
    const sourceVec = new Map(sources.map((s, i) => [s.n, vectors[claims.length + i]!]));
    return (sentence, source) => {
      const a = claimVec.get(stripMarkers(sentence));
      const b = sourceVec.get(source.n);
      if (!a || !b) return undefined;
      let dot = 0;
      for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
      return dot; // both unit length
    };
  }

  async ask(input: AskInput): Promise<AnswerResult> {
    const t0 = performance.now();
    const question = input.question.trim();
    if (!question) throw badRequest('QUESTION_EMPTY', 'The question is empty');
    if (question.length > MAX_QUESTION_CHARS) {
      throw badRequest('QUESTION_TOO_LONG', `The question is longer than ${MAX_QUESTION_CHARS} characters`);
    }
    const k = input.k ?? this.options.k;
    const conversation = input.conversation ?? [];
    const language = detectLanguage(question);
    const query = retrievalQuery(question, conversation);
    const mode = this.mode;
    const model = this.model;
    const settings: Record<string, unknown> = {
      k,
      filters: input.filters ?? null,
      language,
      retrieval_query: query,
      min_relevance: this.options.minRelevance,
      support_threshold: this.options.supportThreshold,
      ...(mode === 'llm' ? { temperature: this.options.temperature } : {}),
    };
    // Stored first (never lost), while retrieval already runs: neither waits for the other.
    const pending = insertPendingAnswer(this.deps.db, {
      apiKeyId: input.caller.keyId,
      question,
      conversation,
      mode,
      model,
      settings,
      collections: input.caller.collections,
    });
    const retrieval = (async () => {
      const tr = performance.now();
      const passages = await this.deps.retrieve({ query, k, filters: input.filters, allowedCollections: input.caller.collections, signal: input.signal });
      return { passages, ms: performance.now() - tr };
    })();
    // Whichever fails, the other settles before we go on, so no promise is left unhandled.
    const [stored, fetched] = await Promise.allSettled([pending, retrieval]);
    if (stored.status === 'rejected') throw stored.reason;
    const id = stored.value;
    const log = this.deps.log?.child({ answerId: id });
    const timings: Record<string, number> = {};
    const ms = (from: number) => Math.round((performance.now() - from) * 10) / 10;
    let retrieved: RetrievedRef[] = [];
    let partial = '';

    try {
      if (fetched.status === 'rejected') throw fetched.reason;
      const passages = fetched.value.passages;
      timings.retrieval_ms = Math.round(fetched.value.ms * 10) / 10;

      const decision = decideAbstention(query, passages, this.options.minRelevance);
      const q = termSet(query);
      // The model sees every passage reasonably close to the question, in rank order.
      const kept = passages.filter((p) => relevance(q, p) >= this.options.minRelevance / 2);
      const sources = numberSources(decision.abstain ? [] : kept);
      const byChunk = new Map(sources.map((s) => [String(s.chunk_id), s.n]));
      retrieved = passages.map((p, i) => ({
        n: byChunk.get(String(p.chunk_id)) ?? 0,
        chunk_id: p.chunk_id,
        document_id: p.document.id,
        url: p.document.url,
        score: p.score,
        relevance: Math.round(relevance(q, p) * 1000) / 1000,
        rank: i + 1,
      }));
      const startInfo = (): StartInfo => ({
        id,
        mode: decision.abstain ? 'extractive' : mode,
        model: decision.abstain ? null : model,
        language,
        sources: sources.map((s) => ({ n: s.n, chunk_id: s.chunk_id, url: s.document.url, title: s.document.title })),
      });

      if (decision.abstain) {
        const closest = closestSources(passages);
        const text = abstentionText(language, closest);
        timings.ttfb_ms = ms(t0);
        input.onStart?.(startInfo());
        input.onToken?.(text);
        timings.total_ms = ms(t0);
        await completeAnswer(this.deps.db, id, {
          status: 'ok', answer: text, citations: [], unsupported: [], abstained: true, retrieved,
          mode: 'extractive', model: null, timings, settings: { ...settings, best_relevance: decision.best, closest_sources: closest },
        });
        log?.info({ abstained: true, best: decision.best }, 'answer abstained');
        return {
          id, answer: text, citations: [], unsupported: [], abstained: true, closest_sources: closest,
          removed_citations: 0, removed_links: 0, mode: 'extractive', model: null, language, status: 'ok', timings,
          usage: tokenUsage(0, approximateTokens(text)),
        };
      }

      let text: string;
      let usedModel = model;
      let usage: TokenUsage;
      if (this.deps.llm) {
        const tp = performance.now();
        const messages = buildPrompt({ question, language, sources, conversation, maxSourceChars: this.options.maxSourceChars });
        timings.prompt_ms = ms(tp);
        timings.ttfb_ms = ms(t0);
        input.onStart?.(startInfo());
        const filter = createMarkerFilter(sources.length);
        const tg = performance.now();
        const completion = await this.deps.llm.complete({
          messages,
          temperature: this.options.temperature,
          signal: input.signal,
          onToken: input.onToken
            ? (delta) => {
                partial += delta;
                const out = filter.push(delta);
                if (out) input.onToken!(out);
              }
            : undefined,
        });
        if (input.onToken) {
          const rest = filter.flush();
          if (rest) input.onToken(rest);
        }
        timings.generation_ms = ms(tg);
        timings.first_token_ms = completion.firstTokenMs;
        timings.llm_attempts = completion.attempts;
        text = completion.text;
        usedModel = completion.model || model;
        const prompt = completion.usage?.prompt_tokens ?? approximateTokens(messages.map((m) => m.content).join('\n'));
        usage = tokenUsage(prompt, completion.usage?.completion_tokens ?? approximateTokens(text));
      } else {
        const te = performance.now();
        text = extractiveAnswer(question, sources, language).text;
        usage = tokenUsage(0, approximateTokens(text));
        timings.generation_ms = ms(te);
        timings.ttfb_ms = ms(t0);
        input.onStart?.(startInfo());
        input.onToken?.(text);
      }

      let similarity: ((sentence: string, source: NumberedSource) => number | undefined) | undefined;
      if (this.deps.llm && this.deps.embedder) {
        const te = performance.now();
        similarity = await this.embeddingSimilarity(text, sources).catch((e) => {
          log?.warn({ err: e }, 'support embeddings unavailable; lexical support only');
          return undefined;
        });
        timings.support_embedding_ms = ms(te);
      }
      const tv = performance.now();
      const verified = verifyAnswer(text, sources, { language, threshold: this.options.supportThreshold, similarity });
      timings.verification_ms = ms(tv);

      if (isModelAbstention(text) && verified.citations.length === 0) {
        // The model found nothing in the sources: say so in Cité's words, not the sentinel.
        const closest = closestSources(passages);
        const abstained = abstentionText(language, closest);
        timings.total_ms = ms(t0);
        await completeAnswer(this.deps.db, id, {
          status: 'ok', answer: abstained, citations: [], unsupported: [], abstained: true, retrieved, mode, model: usedModel,
          timings, settings: { ...settings, model_abstained: true, closest_sources: closest },
        });
        return {
          id, answer: abstained, citations: [], unsupported: [], abstained: true, closest_sources: closest,
          removed_citations: 0, removed_links: 0, mode, model: usedModel, language, status: 'ok', timings, usage,
        };
      }

      timings.total_ms = ms(t0);
      await completeAnswer(this.deps.db, id, {
        status: 'ok', answer: verified.answer, citations: verified.citations, unsupported: verified.unsupported, abstained: false,
        retrieved, mode, model: usedModel, timings,
        settings: { ...settings, removed_citations: verified.removed_citations, removed_links: verified.removed_links, usage },
      });
      log?.info({ citations: verified.citations.length, unsupported: verified.unsupported.length, removed: verified.removed_citations }, 'answer ready');
      return { id, ...verified, abstained: false, mode, model: usedModel, language, status: 'ok', timings, usage };
    } catch (e) {
      const err = e instanceof CiteError ? e : new CiteError('ANSWER_FAILED', `Answering failed: ${(e as Error)?.message ?? e}`, { status: 500, cause: e });
      timings.total_ms = ms(t0);
      await completeAnswer(this.deps.db, id, {
        status: 'error', answer: partial, citations: [], unsupported: [], abstained: false, retrieved, mode, model,
        timings, settings, error: `${err.code}: ${err.message}`,
      }).catch((storeErr) => log?.error({ err: storeErr }, 'could not record the failed answer'));
      log?.warn({ code: err.code }, 'answer failed');
      // The stored answer's id rides along, so the client can find the failed record.
      throw new CiteError(err.code, err.message, { status: err.status, retryable: err.retryable, cause: err, details: { answer_id: id } });
    }
  }
}
