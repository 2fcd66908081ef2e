/**
 * Answering, end to end: store the question, retrieve, decide whether to abstain, generate
 * (language model or extractive), verify citations, store the outcome. Streaming callers get a
 * `start` callback once retrieval and prompt assembly are done (time to first byte), then text
 * deltas; the verified answer is the return value. A failure after the question was stored
 * completes the record with status 'error' before the error propagates: no answer is lost.
 */
import type { Logger } from 'pino';
import type { Database } from '@cite/core/db/database.js';
import { approximateTokens, type Embedder } from '@cite/core/embeddings/embedder.js';
import { CiteError, badRequest } from '@cite/core/errors.js';
import { articleNamer } from '../search/legal-references.js';
import { chunkCountIn } from '../search/search-service.js';
import { queryEvidence } from '../search/term-evidence.js';
import { withSynonymCoverage } from '../search/synonyms/synonym-evidence.js';
import type { WebSearchCapability, WebSearchWarning } from '../search/web-search.js';
import { abstentionText, closestSources, gateReason, nothingToQuoteReason, refusalReason, type AbstainReasonCode, type ClosestSource } from './abstain.js';
import { completeAnswer, insertPendingAnswer, type AnswerMode, type RetrievedRef } from './answers-repo.js';
import { createMarkerFilter, parseCitations, stripMarkers } from './citations.js';
import { extractiveAnswer } from './extractive.js';
import { standaloneQuestion } from './follow-up.js';
import { detectLanguage, type AnswerLanguage } from './language.js';
import type { LlmClient } from './llm-client.js';
import { modelRefusal } from './model-refusal.js';
import { buildPrompt, type ChatMessage } from './prompt.js';
import { questionSimilarity } from './question-similarity.js';
import { questionWords } from './question-terms.js';
import { DEFAULT_GATE, decideRelevance, namedArticles, relevanceFigures, type GateDecision, type GateThresholds, type PassageRelevance, type RelevanceFigures } from './relevance-gate.js';
import { splitSentences } from './sentences.js';
import { DEFAULT_SUPPORT_THRESHOLD } from './support.js';
import { numberSources, withOrigin, type Citation, type NumberedSource, type RetrievedPassage, type UnsupportedSentence, type VerifiedAnswer } from './types.js';
import { verifyAnswer } from './verify.js';
import { webSearchQueries } from './web-queries.js';

export interface RetrieveInput {
  query: string;
  k: number;
  filters?: Record<string, unknown>;
  /** Collections the asking key may read (null = all). */
  allowedCollections: number[] | null;
  signal?: AbortSignal;
  /** Internet search asked for this question (issue 22): its pages are retrieved with the indexed sources. */
  web?: WebSearchCapability | null;
  keyId?: number | null;
  /** With `web` and a model: the queries it is writing for the provider (web-queries.ts); else the query is sent. */
  webQueries?: Promise<readonly string[]>;
  /** Where the retriever reports what it could not do (a web fault): the answer carries them. */
  warnings?: WebSearchWarning[];
}
export type Retriever = (input: RetrieveInput) => Promise<RetrievedPassage[]>;

/** The relevance gate's thresholds (relevance-gate.ts) and how answers are written. */
export interface AnswerServiceOptions extends Omit<GateThresholds, 'minSimilarity'> {
  /** Passages retrieved by default. */
  k: number;
  /** Similarity confirming a passage; undefined = the embedder's default (relevance-gate.ts). */
  minSimilarity?: number;
  /** Minimum support score for a citation to back a sentence. */
  supportThreshold: number;
  /** Characters of passage text given to the model at most. */
  maxSourceChars: number;
  temperature: number;
}

const { minSimilarity: _embedderDefault, ...GATE_DEFAULTS } = DEFAULT_GATE;

export const DEFAULT_ANSWER_OPTIONS: AnswerServiceOptions = {
  k: 8,
  ...GATE_DEFAULTS,
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
  /** `"web": true`, checked by the route: the capability to search the internet with. */
  web?: WebSearchCapability | null;
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
  /** What retrieval could not do (internet search faults): the answer comes from what was left. */
  warnings?: WebSearchWarning[];
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

/** Milliseconds since `from`, to a tenth. */
const since = (from: number) => Math.round((performance.now() - from) * 10) / 10;

/** What the first stage settles before anything is stored or searched. */
interface AskPlan {
  t0: number;
  question: string;
  conversation: ChatMessage[];
  k: number;
  language: AnswerLanguage;
  /** The query searched: the question, or a follow-up made standalone. */
  query: string;
  timings: Record<string, number>;
  settings: Record<string, unknown>;
}

/** One ask once its record exists: the plan, the record's id, and what later stages add. */
interface AskRun extends AskPlan {
  id: string;
  log?: Logger;
  retrieved: RetrievedRef[];
  /** The model's raw text streamed so far, kept if the answer fails. */
  partial: string;
  warnings: WebSearchWarning[];
}

/** Retrieval judged: the gate's decision and the numbered sources an answer may cite. */
interface Selection {
  passages: RetrievedPassage[];
  decision: GateDecision;
  relevance: RelevanceFigures;
  figures: PassageFigures;
  sources: NumberedSource[];
}

/** A composed answer text, before verification. */
interface Composed {
  text: string;
  model: string | null;
  usage: TokenUsage;
}

/** How an ask ended, for the one stage that records it. */
type Outcome =
  | { kind: 'answered'; verified: VerifiedAnswer; model: string | null; usage: TokenUsage }
  | {
      kind: 'abstained';
      reason: string;
      code: AbstainReasonCode;
      mode: AnswerMode;
      model: string | null;
      usage?: TokenUsage;
      /** The model's text was streamed already: the final answer replaces it. */
      streamed?: boolean;
    };

/**
 * The passages the answer is written from: those holding at least half the weight the gate asks of
 * the best one: those the gate passes first, then strongest first (in the question's own words), so
 * the model and the extractive answerer start with the passage that is most about the question.
 */
function keptPassages(passages: RetrievedPassage[], figures: PassageFigures, minCoverage: number): RetrievedPassage[] {
  // an indexed (official) source that answers comes before any web page (issue 22)
  const webLast = (p: RetrievedPassage) => (p.origin === 'web' ? 1 : 0);
  // a passage that covers the question on its own comes before one that only helps
  const passes = (f: PassageRelevance | undefined) => (f?.passes ? 1 : 0);
  return passages
    .map((p, rank) => ({ p, rank, f: figures.get(String(p.chunk_id)) }))
    .filter((x) => (x.f?.coverage ?? 0) >= minCoverage / 2)
    .sort((a, b) => webLast(a.p) - webLast(b.p) || passes(b.f) - passes(a.f) || (b.f?.own_strength ?? 0) - (a.f?.own_strength ?? 0) || a.rank - b.rank)
    .map((x) => x.p);
}

/**
 * The gate's strength of each numbered source, in the question's own words; 0 for a source the gate does
 * not pass: the answer leads with, and adds, only sources that cover the question on their own.
 */
function strengthsOf(sources: NumberedSource[], figures: PassageFigures): Map<number, number> {
  return new Map(
    sources.map((s) => {
      const f = figures.get(String(s.chunk_id));
      return [s.n, f?.passes ? f.own_strength : 0];
    }),
  );
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

  /**
   * The stages, in order: plan (checks, standalone query, settings), record the question while
   * retrieving and judging relevance, select the sources, compose (model or extractive), verify the
   * citations, finish (one record of the outcome). Any failure after the record exists is recorded
   * by `fail` before it propagates.
   */
  async ask(input: AskInput): Promise<AnswerResult> {
    const plan = await this.plan(input);
    const [stored, fetched] = await Promise.allSettled([
      // Stored first (never lost), while retrieval already runs: neither waits for the other, and
      // whichever fails, the other settles before we go on, so no promise is left unhandled.
      insertPendingAnswer(this.deps.db, {
        apiKeyId: input.caller.keyId,
        question: plan.question,
        conversation: plan.conversation,
        mode: this.mode,
        model: this.model,
        settings: plan.settings,
        collections: input.caller.collections,
      }),
      this.retrieveAndJudge(plan.query, plan.k, input),
    ]);
    if (stored.status === 'rejected') throw stored.reason;
    const run: AskRun = { ...plan, id: stored.value, log: this.deps.log?.child({ answerId: stored.value }), retrieved: [], partial: '', warnings: [] };

    try {
      if (fetched.status === 'rejected') throw fetched.reason;
      run.warnings = fetched.value.warnings;
      run.timings.retrieval_ms = fetched.value.retrievalMs;
      run.timings.relevance_ms = fetched.value.gateMs;
      const selection = this.select(run, fetched.value.passages, fetched.value.decision);
      if (selection.decision.abstain) {
        run.timings.ttfb_ms = since(run.t0);
        input.onStart?.(this.startInfo(run, selection.sources, true));
        return await this.finish(run, selection, {
          kind: 'abstained', reason: gateReason(run.language, selection.decision), code: selection.decision.code!, mode: 'extractive', model: null,
        }, input.onToken);
      }

      const onStart = () => input.onStart?.(this.startInfo(run, selection.sources, false));
      const composed = this.deps.llm
        ? await this.generate(run, selection.sources, input, onStart)
        : this.extract(run, selection, input, onStart);
      const model = composed.model ?? this.model;
      if (!this.deps.llm && !composed.text) {
        // every passage that covers the question is a list of links, a title or a question; or, for a question
        // naming an article, names it only in a list of sources or in a line that cannot be quoted
        input.onStart?.(this.startInfo(run, selection.sources, true));
        const reason = nothingToQuoteReason(run.language, namedArticles(selection.decision.terms));
        return await this.finish(run, selection, { kind: 'abstained', reason, code: 'nothing_to_quote', mode: 'extractive', model: null }, input.onToken);
      }
      const verified = await this.verify(run, composed.text, selection.sources);

      const refusal = this.deps.llm ? modelRefusal(composed.text, verified.citations.length) : null;
      if (refusal) {
        // The model found no answer in the sources: an abstention in Cité's words, with the model's reason.
        return await this.finish(run, selection, {
          kind: 'abstained', reason: refusalReason(run.language, refusal), code: 'model_declined', mode: this.mode, model,
          usage: composed.usage, streamed: true,
        }, input.onToken);
      }
      return await this.finish(run, selection, { kind: 'answered', verified, model, usage: composed.usage }, input.onToken);
    } catch (e) {
      throw await this.fail(run, e);
    }
  }

  /** Stage 1: the checked question, the query actually searched (a follow-up made standalone), the settings stored. */
  private async plan(input: AskInput): Promise<AskPlan> {
    const t0 = performance.now();
    const question = checkedQuestion(input.question);
    const k = input.k ?? this.options.k;
    const conversation = checkedConversation(input.conversation ?? []);
    const language = detectLanguage(question);
    const timings: Record<string, number> = {};
    const tq = performance.now();
    const rewrite = await standaloneQuestion(question, conversation, this.deps.llm, input.signal, { log: this.deps.log });
    if (rewrite.method !== 'none') timings.rewrite_ms = since(tq);
    const settings: Record<string, unknown> = {
      k,
      filters: input.filters ?? null,
      language,
      retrieval_query: rewrite.query,
      rewrite_method: rewrite.method,
      min_coverage: this.options.minCoverage,
      min_strength: this.options.minStrength,
      confirmed_strength: this.options.confirmedStrength,
      min_topic_words: this.options.minTopicWords,
      support_threshold: this.options.supportThreshold,
      ...(this.mode === 'llm' ? { temperature: this.options.temperature } : {}),
      ...(input.web ? { web: true } : {}),
    };
    return { t0, question, conversation, k, language, query: rewrite.query, timings, settings };
  }

  /** Stage 3: the sources the answer is written from, numbered, and what was retrieved with the gate's figures. */
  private select(run: AskRun, passages: RetrievedPassage[], decision: GateDecision): Selection {
    const relevance = relevanceFigures(decision);
    run.settings.relevance = relevance;
    const figures: PassageFigures = new Map(decision.passages.map((p) => [p.chunk_id, p]));
    const sources = numberSources(decision.abstain ? [] : keptPassages(passages, figures, this.options.minCoverage));
    run.retrieved = retrievedRefs(passages, sources, figures);
    return { passages, decision, relevance, figures, sources };
  }

  private startInfo(run: AskRun, sources: NumberedSource[], abstained: boolean): StartInfo {
    return {
      id: run.id,
      mode: abstained ? 'extractive' : this.mode,
      model: abstained ? null : this.model,
      language: run.language,
      retrieval_query: run.query,
      sources: sources.map((s) => ({ n: s.n, chunk_id: s.chunk_id, url: s.document.url, title: s.document.title })),
    };
  }

  /** Stage 5: each sentence's citations checked against its sources (embedding similarity blended in when useful). */
  private async verify(run: AskRun, text: string, sources: NumberedSource[]): Promise<VerifiedAnswer> {
    let similarity: ((sentence: string, source: NumberedSource) => number | undefined) | undefined;
    if (this.deps.llm && this.deps.embedder) {
      const te = performance.now();
      similarity = await this.embeddingSimilarity(text, sources).catch((e) => {
        run.log?.warn({ err: e }, 'support embeddings unavailable; lexical support only');
        return undefined;
      });
      run.timings.support_embedding_ms = since(te);
    }
    const tv = performance.now();
    // a follow-up's words are in its standalone query: both are what the sentence was asked, not evidence
    const question = run.query === run.question ? run.question : `${run.question}\n${run.query}`;
    const verified = verifyAnswer(text, sources, { language: run.language, threshold: this.options.supportThreshold, similarity, question });
    run.timings.verification_ms = since(tv);
    return verified;
  }

  /** Stage 6: the one record of a finished answer (answered or declined), and what the caller gets. */
  private async finish(run: AskRun, selection: Selection, outcome: Outcome, onToken?: (text: string) => void): Promise<AnswerResult> {
    const base = { id: run.id, retrieval_query: run.query, relevance: selection.relevance, language: run.language, status: 'ok' as const, timings: run.timings };
    let result: AnswerResult;
    let settings: Record<string, unknown>;
    if (outcome.kind === 'answered') {
      const v = outcome.verified;
      settings = { ...run.settings, removed_citations: v.removed_citations, removed_links: v.removed_links, usage: outcome.usage };
      result = { ...base, ...v, citations: v.citations.map((c) => withOrigin(c, selection.sources)), abstained: false, mode: this.mode, model: outcome.model, usage: outcome.usage };
    } else {
      // a question without a content word has no topic to be close to: what its search found is chance
      const closest = outcome.code === 'no_terms' ? [] : closestSources(selection.passages);
      const text = abstentionText(run.language, closest, outcome.reason);
      // A streamed model text is replaced by the final answer; otherwise the statement is the stream.
      if (!outcome.streamed) onToken?.(text);
      const usage = outcome.usage ?? tokenUsage(0, approximateTokens(text));
      settings = { ...run.settings, abstain_code: outcome.code, abstain_reason: outcome.reason, closest_sources: closest, ...(outcome.usage ? { usage: outcome.usage } : {}) };
      result = {
        ...base, answer: text, citations: [], unsupported: [], abstained: true, abstain_reason: outcome.reason, abstain_code: outcome.code,
        closest_sources: closest, removed_citations: 0, removed_links: 0, mode: outcome.mode, model: outcome.model, usage,
      };
    }
    if (run.warnings.length) {
      result.warnings = run.warnings;
      settings.warnings = run.warnings;
    }
    run.timings.total_ms = since(run.t0);
    await completeAnswer(this.deps.db, run.id, {
      status: 'ok', answer: result.answer, citations: result.citations, unsupported: result.unsupported, abstained: result.abstained,
      retrieved: run.retrieved, mode: result.mode, model: result.model, timings: run.timings, settings,
    });
    if (result.abstained) {
      run.log?.info({ abstained: true, code: result.abstain_code, coverage: result.relevance.coverage, strength: result.relevance.strength }, 'answer abstained');
    } else {
      run.log?.info({ citations: result.citations.length, unsupported: result.unsupported.length, removed: result.removed_citations }, 'answer ready');
    }
    return result;
  }

  /** A failure after the question was stored: recorded with what was streamed, then returned as the error to throw. */
  private async fail(run: AskRun, e: unknown): Promise<CiteError> {
    // the database's (or a bug's) words stay in the logs, never in the answer to the client
    const unexpected = 'Answering failed; the request id identifies it in the logs';
    const err = e instanceof CiteError ? e : new CiteError('ANSWER_FAILED', unexpected, { status: 500, cause: e });
    if (!(e instanceof CiteError)) run.log?.error({ err: e }, 'answer failed unexpectedly');
    run.timings.total_ms = since(run.t0);
    await completeAnswer(this.deps.db, run.id, {
      status: 'error', answer: run.partial, citations: [], unsupported: [], abstained: false, retrieved: run.retrieved, mode: this.mode, model: this.model,
      timings: run.timings, settings: run.settings, error: `${err.code}: ${err.message}`,
    }).catch((storeErr) => run.log?.error({ err: storeErr }, 'could not record the failed answer'));
    run.log?.warn({ code: err.code }, 'answer failed');
    // The stored answer's id rides along, so the client can find the failed record.
    return new CiteError(err.code, err.message, {
      status: err.status,
      retryable: err.retryable,
      retryAfterSeconds: err.retryAfterSeconds,
      cause: err,
      details: { answer_id: run.id },
    });
  }

  /** Retrieval, then the relevance gate on what was retrieved, with the index's term statistics. */
  private async retrieveAndJudge(
    query: string,
    k: number,
    input: AskInput,
  ): Promise<{ passages: RetrievedPassage[]; decision: GateDecision; retrievalMs: number; gateMs: number; warnings: WebSearchWarning[] }> {
    const tr = performance.now();
    const warnings: WebSearchWarning[] = [];
    // written while the indexed sources are searched; never rejects (the query itself on any fault)
    const webQueries = input.web && this.deps.llm
      ? webSearchQueries(query, this.deps.llm, input.signal, { log: this.deps.log }).then((w) => w.queries)
      : undefined;
    const passages = await this.deps.retrieve({
      query, k, filters: input.filters, allowedCollections: input.caller.collections, signal: input.signal,
      ...(input.web ? { web: input.web, keyId: input.caller.keyId, ...(webQueries ? { webQueries } : {}) } : {}), warnings,
    });
    const retrievalMs = since(tr);
    const tg = performance.now();
    const words = questionWords(query);
    const collections = input.caller.collections;
    // a word is covered by a passage holding it or one of its synonyms (admins' lists, search/synonyms/)
    const evidence = await withSynonymCoverage(this.deps.db, query, await queryEvidence(
      this.deps.db,
      words.map((w) => w.word),
      passages.map((p) => p.chunk_id),
      await chunkCountIn(this.deps.db, collections),
      collections,
      // read only for a question naming an article: where its passages name it
      articleNamer(query, (id) => {
        const p = passages.find((x) => String(x.chunk_id) === id);
        return p ? `${p.document.title}\n${p.heading_path.join('\n')}\n${p.text}` : '';
      }),
    ), passages.map((p) => p.chunk_id), collections);
    const vectors = await questionSimilarity(this.deps.db, this.deps.embedder, this.options.minSimilarity, query, passages.map((p) => p.chunk_id), this.deps.log);
    const decision = decideRelevance(words, { ...evidence, similarities: vectors.similarities }, passages, {
      minCoverage: this.options.minCoverage,
      minStrength: this.options.minStrength,
      confirmedStrength: this.options.confirmedStrength,
      minSimilarity: vectors.minSimilarity,
      minTopicWords: this.options.minTopicWords,
    });
    return { passages, decision, retrievalMs, gateMs: since(tg), warnings };
  }

  /** Stage 4, with a model: the prompt, then the streamed completion (citation markers filtered from the stream). */
  private async generate(
    run: AskRun,
    sources: NumberedSource[],
    input: AskInput,
    started: () => void,
  ): Promise<Composed> {
    const tp = performance.now();
    const messages = buildPrompt({ question: run.question, language: run.language, sources, conversation: run.conversation, maxSourceChars: this.options.maxSourceChars });
    run.timings.prompt_ms = since(tp);
    run.timings.ttfb_ms = since(run.t0);
    started();
    const filter = createMarkerFilter(sources.length);
    const tg = performance.now();
    const completion = await this.deps.llm!.complete({
      messages,
      temperature: this.options.temperature,
      signal: input.signal,
      onToken: input.onToken
        ? (delta) => {
            run.partial += delta;
            const out = filter.push(delta);
            if (out) input.onToken!(out);
          }
        : undefined,
    });
    if (input.onToken) {
      const rest = filter.flush();
      if (rest) input.onToken(rest);
    }
    run.timings.generation_ms = since(tg);
    run.timings.first_token_ms = completion.firstTokenMs;
    run.timings.llm_attempts = completion.attempts;
    // No words at all (a reasoning model that spent its budget thinking, or markers alone): nothing an agent
    // could read, and an empty claim "supports" every citation it carries. A failure, recorded as one.
    if (!stripMarkers(completion.text).trim()) {
      const message = 'The language model returned no answer text';
      throw new CiteError('LLM_EMPTY_ANSWER', message, { status: 502, retryable: true });
    }
    const prompt = completion.usage?.prompt_tokens ?? approximateTokens(messages.map((m) => m.content).join('\n'));
    return {
      text: completion.text,
      model: completion.model || null,
      usage: tokenUsage(prompt, completion.usage?.completion_tokens ?? approximateTokens(completion.text)),
    };
  }

  /** Stage 4, without a model: sentences (and table rows) quoted from the strongest sources. */
  private extract(run: AskRun, selection: Selection, input: AskInput, started: () => void): Composed {
    const te = performance.now();
    const strengths = strengthsOf(selection.sources, selection.figures);
    const text = extractiveAnswer(run.question, selection.sources, run.language, { strengths }).text;
    run.timings.generation_ms = since(te);
    run.timings.ttfb_ms = since(run.t0);
    if (!text) return { text, model: null, usage: tokenUsage(0, 0) }; // nothing to quote: ask() declines
    started();
    input.onToken?.(text);
    return { text, model: null, usage: tokenUsage(0, approximateTokens(text)) };
  }
}
