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
import { chunkCount } from '../search/search-service.js';
import { queryEvidence } from '../search/term-evidence.js';
import { abstentionText, closestSources, gateReason, refusalReason, type AbstainReasonCode, type ClosestSource } from './abstain.js';
import { completeAnswer, insertPendingAnswer, type AnswerMode, type RetrievedRef } from './answers-repo.js';
import { createMarkerFilter, parseCitations, stripMarkers } from './citations.js';
import { extractiveAnswer } from './extractive.js';
import { standaloneQuestion } from './follow-up.js';
import { detectLanguage, type AnswerLanguage } from './language.js';
import type { LlmClient } from './llm-client.js';
import { modelRefusal } from './model-refusal.js';
import { buildPrompt, type ChatMessage } from './prompt.js';
import { questionWords } from './question-terms.js';
import { DEFAULT_GATE, decideRelevance, relevanceFigures, type GateDecision, type PassageRelevance, type RelevanceFigures } from './relevance-gate.js';
import { splitSentences } from './sentences.js';
import { DEFAULT_SUPPORT_THRESHOLD } from './support.js';
import { numberSources, type Citation, type NumberedSource, type RetrievedPassage, type UnsupportedSentence } from './types.js';
import { verifyAnswer } from './verify.js';

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
  /** Relevance gate: share of the question's weighted terms one passage must hold (relevance-gate.ts). */
  minCoverage: number;
  /** Relevance gate: normalised BM25 strength one passage must reach. */
  minStrength: number;
  /** Minimum support score for a citation to back a sentence. */
  supportThreshold: number;
  /** Characters of passage text given to the model at most. */
  maxSourceChars: number;
  temperature: number;
}

export const DEFAULT_ANSWER_OPTIONS: AnswerServiceOptions = {
  k: 8,
  minCoverage: DEFAULT_GATE.minCoverage,
  minStrength: DEFAULT_GATE.minStrength,
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
  /** The query searched: the question, or a follow-up made standalone. */
  retrieval_query: string;
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
  /** Why Cité declined, in the question's language (when abstaining). */
  abstain_reason?: string;
  abstain_code?: AbstainReasonCode;
  /** Closest sources, when abstaining. */
  closest_sources?: ClosestSource[];
  /** The query searched: the question, or a follow-up made standalone. */
  retrieval_query: string;
  /** The relevance gate's figures. */
  relevance: RelevanceFigures;
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

/** C0 controls but tab, line feed and carriage return. */
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

/** The question as asked, trimmed; empty, too long or holding control characters: a 400. */
export function checkedQuestion(raw: string): string {
  const question = raw.trim();
  if (!question) throw badRequest('QUESTION_EMPTY', 'The question is empty');
  if (question.length > MAX_QUESTION_CHARS) {
    throw badRequest('QUESTION_TOO_LONG', `The question is longer than ${MAX_QUESTION_CHARS} characters`);
  }
  // NUL cannot be stored in PostgreSQL text; other C0 controls have no place in a question either.
  if (CONTROL_CHARACTERS.test(question)) {
    throw badRequest('QUESTION_INVALID', 'The question holds control characters');
  }
  return question;
}

/** Earlier turns are stored with the question (JSONB refuses NUL): control characters are a 400 there too. */
export function checkedConversation(conversation: ChatMessage[]): ChatMessage[] {
  const at = conversation.findIndex((m) => CONTROL_CHARACTERS.test(m.content));
  if (at !== -1) throw badRequest('CONVERSATION_INVALID', `Earlier message ${at + 1} of the conversation holds control characters`);
  return conversation;
}

/** The gate's figures of each retrieved passage, by chunk id. */
type PassageFigures = ReadonlyMap<string, PassageRelevance>;

/**
 * The passages the answer is written from: those holding at least half the weight the gate asks of
 * the best one, strongest first, so the model and the extractive answerer start with the passage
 * that is most about the question.
 */
function keptPassages(passages: RetrievedPassage[], figures: PassageFigures, minCoverage: number): RetrievedPassage[] {
  return passages
    .map((p, rank) => ({ p, rank, f: figures.get(String(p.chunk_id)) }))
    .filter((x) => (x.f?.coverage ?? 0) >= minCoverage / 2)
    .sort((a, b) => (b.f?.strength ?? 0) - (a.f?.strength ?? 0) || a.rank - b.rank)
    .map((x) => x.p);
}

/** The gate's strength of each numbered source. */
function strengthsOf(sources: NumberedSource[], figures: PassageFigures): Map<number, number> {
  return new Map(sources.map((s) => [s.n, figures.get(String(s.chunk_id))?.strength ?? 0]));
}

function retrievedRefs(passages: RetrievedPassage[], sources: NumberedSource[], figures: PassageFigures): RetrievedRef[] {
  const byChunk = new Map(sources.map((s) => [String(s.chunk_id), s.n]));
  return passages.map((p, i) => ({
    n: byChunk.get(String(p.chunk_id)) ?? 0,
    chunk_id: p.chunk_id,
    document_id: p.document.id,
    url: p.document.url,
    score: p.score,
    relevance: figures.get(String(p.chunk_id))?.strength ?? 0,
    coverage: figures.get(String(p.chunk_id))?.coverage ?? 0,
    rank: i + 1,
  }));
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
    const question = checkedQuestion(input.question);
    const k = input.k ?? this.options.k;
    const conversation = checkedConversation(input.conversation ?? []);
    const language = detectLanguage(question);
    const mode = this.mode;
    const model = this.model;
    const timings: Record<string, number> = {};
    const ms = (from: number) => Math.round((performance.now() - from) * 10) / 10;

    // A follow-up is searched as a standalone question (the model's rewrite, else the rule's).
    const tq = performance.now();
    const rewrite = await standaloneQuestion(question, conversation, this.deps.llm, input.signal, { log: this.deps.log });
    if (rewrite.method !== 'none') timings.rewrite_ms = ms(tq);
    const query = rewrite.query;
    const settings: Record<string, unknown> = {
      k,
      filters: input.filters ?? null,
      language,
      retrieval_query: query,
      rewrite_method: rewrite.method,
      min_coverage: this.options.minCoverage,
      min_strength: this.options.minStrength,
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
    const retrieval = this.retrieveAndJudge(query, k, input);
    // Whichever fails, the other settles before we go on, so no promise is left unhandled.
    const [stored, fetched] = await Promise.allSettled([pending, retrieval]);
    if (stored.status === 'rejected') throw stored.reason;
    const id = stored.value;
    const log = this.deps.log?.child({ answerId: id });
    let retrieved: RetrievedRef[] = [];
    let partial = '';
    const outcome = { id, language, query, timings, settings, t0, ms, log };

    try {
      if (fetched.status === 'rejected') throw fetched.reason;
      const { passages, decision } = fetched.value;
      timings.retrieval_ms = fetched.value.retrievalMs;
      timings.relevance_ms = fetched.value.gateMs;
      const relevance = relevanceFigures(decision);
      settings.relevance = relevance;

      const figures: PassageFigures = new Map(decision.passages.map((p) => [p.chunk_id, p]));
      const sources = numberSources(decision.abstain ? [] : keptPassages(passages, figures, this.options.minCoverage));
      retrieved = retrievedRefs(passages, sources, figures);
      const startInfo = (abstained: boolean): StartInfo => ({
        id,
        mode: abstained ? 'extractive' : mode,
        model: abstained ? null : model,
        language,
        retrieval_query: query,
        sources: sources.map((s) => ({ n: s.n, chunk_id: s.chunk_id, url: s.document.url, title: s.document.title })),
      });

      if (decision.abstain) {
        const reason = gateReason(language, decision);
        timings.ttfb_ms = ms(t0);
        input.onStart?.(startInfo(true));
        return await this.abstain(outcome, { passages, retrieved, relevance, reason, code: decision.code!, mode: 'extractive', model: null, onToken: input.onToken });
      }

      const generated = this.deps.llm
        ? await this.generate(question, language, sources, conversation, input, timings, t0, () => input.onStart?.(startInfo(false)), (d) => (partial += d))
        : this.extract(question, language, sources, strengthsOf(sources, figures), input, timings, t0, () => input.onStart?.(startInfo(false)));
      const usedModel = generated.model ?? model;

      let similarity: ((sentence: string, source: NumberedSource) => number | undefined) | undefined;
      if (this.deps.llm && this.deps.embedder) {
        const te = performance.now();
        similarity = await this.embeddingSimilarity(generated.text, sources).catch((e) => {
          log?.warn({ err: e }, 'support embeddings unavailable; lexical support only');
          return undefined;
        });
        timings.support_embedding_ms = ms(te);
      }
      const tv = performance.now();
      const verified = verifyAnswer(generated.text, sources, { language, threshold: this.options.supportThreshold, similarity });
      timings.verification_ms = ms(tv);

      const refusal = this.deps.llm ? modelRefusal(generated.text, verified.citations.length) : null;
      if (refusal) {
        // The model found no answer in the sources: an abstention in Cité's words, with the model's reason.
        return await this.abstain(outcome, {
          passages, retrieved, relevance, reason: refusalReason(language, refusal), code: 'model_declined', mode, model: usedModel,
          usage: generated.usage, streamed: true,
        });
      }

      timings.total_ms = ms(t0);
      await completeAnswer(this.deps.db, id, {
        status: 'ok', answer: verified.answer, citations: verified.citations, unsupported: verified.unsupported, abstained: false,
        retrieved, mode, model: usedModel, timings,
        settings: { ...settings, removed_citations: verified.removed_citations, removed_links: verified.removed_links, usage: generated.usage },
      });
      log?.info({ citations: verified.citations.length, unsupported: verified.unsupported.length, removed: verified.removed_citations }, 'answer ready');
      return {
        id, ...verified, abstained: false, retrieval_query: query, relevance, mode, model: usedModel, language, status: 'ok', timings,
        usage: generated.usage,
      };
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

  /** Retrieval, then the relevance gate on what was retrieved, with the index's term statistics. */
  private async retrieveAndJudge(
    query: string,
    k: number,
    input: AskInput,
  ): Promise<{ passages: RetrievedPassage[]; decision: GateDecision; retrievalMs: number; gateMs: number }> {
    const tr = performance.now();
    const passages = await this.deps.retrieve({ query, k, filters: input.filters, allowedCollections: input.caller.collections, signal: input.signal });
    const retrievalMs = Math.round((performance.now() - tr) * 10) / 10;
    const tg = performance.now();
    const words = questionWords(query);
    const collections = input.caller.collections;
    const evidence = await queryEvidence(
      this.deps.db,
      words.map((w) => w.word),
      passages.map((p) => p.chunk_id),
      collections ? 0 : await chunkCount(this.deps.db),
      collections,
    );
    const decision = decideRelevance(words, evidence, passages, { minCoverage: this.options.minCoverage, minStrength: this.options.minStrength });
    return { passages, decision, retrievalMs, gateMs: Math.round((performance.now() - tg) * 10) / 10 };
  }

  private async generate(
    question: string,
    language: AnswerLanguage,
    sources: NumberedSource[],
    conversation: ChatMessage[],
    input: AskInput,
    timings: Record<string, number>,
    t0: number,
    started: () => void,
    onRaw: (delta: string) => void,
  ): Promise<{ text: string; model: string | null; usage: TokenUsage }> {
    const ms = (from: number) => Math.round((performance.now() - from) * 10) / 10;
    const tp = performance.now();
    const messages = buildPrompt({ question, language, sources, conversation, maxSourceChars: this.options.maxSourceChars });
    timings.prompt_ms = ms(tp);
    timings.ttfb_ms = ms(t0);
    started();
    const filter = createMarkerFilter(sources.length);
    const tg = performance.now();
    const completion = await this.deps.llm!.complete({
      messages,
      temperature: this.options.temperature,
      signal: input.signal,
      onToken: input.onToken
        ? (delta) => {
            onRaw(delta);
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
    const prompt = completion.usage?.prompt_tokens ?? approximateTokens(messages.map((m) => m.content).join('\n'));
    return {
      text: completion.text,
      model: completion.model || null,
      usage: tokenUsage(prompt, completion.usage?.completion_tokens ?? approximateTokens(completion.text)),
    };
  }

  private extract(
    question: string,
    language: AnswerLanguage,
    sources: NumberedSource[],
    strengths: ReadonlyMap<number, number>,
    input: AskInput,
    timings: Record<string, number>,
    t0: number,
    started: () => void,
  ): { text: string; model: null; usage: TokenUsage } {
    const te = performance.now();
    const text = extractiveAnswer(question, sources, language, { strengths }).text;
    timings.generation_ms = Math.round((performance.now() - te) * 10) / 10;
    timings.ttfb_ms = Math.round((performance.now() - t0) * 10) / 10;
    started();
    input.onToken?.(text);
    return { text, model: null, usage: tokenUsage(0, approximateTokens(text)) };
  }

  /** Records and returns an abstention: Cité's statement, the reason, the closest sources. */
  private async abstain(
    o: { id: string; language: AnswerLanguage; query: string; timings: Record<string, number>; settings: Record<string, unknown>; t0: number; ms: (from: number) => number; log?: Logger },
    a: {
      passages: RetrievedPassage[];
      retrieved: RetrievedRef[];
      relevance: RelevanceFigures;
      reason: string;
      code: AbstainReasonCode;
      mode: AnswerMode;
      model: string | null;
      usage?: TokenUsage;
      /** The model's text was streamed already: the final answer replaces it. */
      streamed?: boolean;
      onToken?: (text: string) => void;
    },
  ): Promise<AnswerResult> {
    const closest = closestSources(a.passages);
    const text = abstentionText(o.language, closest, a.reason);
    if (!a.streamed) a.onToken?.(text);
    o.timings.total_ms = o.ms(o.t0);
    await completeAnswer(this.deps.db, o.id, {
      status: 'ok', answer: text, citations: [], unsupported: [], abstained: true, retrieved: a.retrieved, mode: a.mode, model: a.model,
      timings: o.timings,
      settings: { ...o.settings, abstain_code: a.code, abstain_reason: a.reason, closest_sources: closest, ...(a.usage ? { usage: a.usage } : {}) },
    });
    o.log?.info({ abstained: true, code: a.code, coverage: a.relevance.coverage, strength: a.relevance.strength }, 'answer abstained');
    return {
      id: o.id, answer: text, citations: [], unsupported: [], abstained: true, abstain_reason: a.reason, abstain_code: a.code,
      closest_sources: closest, retrieval_query: o.query, relevance: a.relevance, removed_citations: 0, removed_links: 0,
      mode: a.mode, model: a.model, language: o.language, status: 'ok', timings: o.timings,
      usage: a.usage ?? tokenUsage(0, approximateTokens(text)),
    };
  }
}
