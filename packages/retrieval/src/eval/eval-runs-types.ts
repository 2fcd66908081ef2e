/**
 * Shapes of an evaluation run: its configuration, what the engine returns for one question (the
 * backend seam), and the per-question result stored in eval_results.
 */
import { z } from 'zod';

export const SEARCH_MODES = ['hybrid', 'lexical', 'vector'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

/** What a run varies. Stored with the run, so a result always says how it was obtained. */
export const runConfigSchema = z
  .object({
    mode: z.enum(SEARCH_MODES).default('hybrid'),
    /** Documents ranked per phrasing (recall@50 needs 50). */
    k: z.number().int().min(10).max(100).default(50),
    /** Fusion weights of the lexical and vector branches. */
    weights: z.object({ lexical: z.number().min(0).max(10), vector: z.number().min(0).max(10) }).strict().optional(),
    /** Reciprocal rank fusion constant; default SEARCH_RRF_K. */
    rrf_k: z.number().int().min(1).max(1000).optional(),
    /** Rerank with the engine's configured model: absent = as the engine does by default, null = off. */
    reranker: z.string().max(200).nullable().optional(),
    /** Evaluate every phrasing of each question (true) or only the main question. */
    phrasings: z.boolean().default(true),
    /** Also generate an answer per question and measure its citations. */
    answers: z.boolean().default(false),
    /** Chat model for answers (default LLM_MODEL; extractive answers when no LLM is configured). */
    llm_model: z.string().max(200).nullable().default(null),
    /** Ask an LLM judge for correctness and citation support (needs answers). */
    judge: z.boolean().default(false),
    judge_model: z.string().max(200).nullable().default(null),
    /** Questions evaluated at once. */
    concurrency: z.number().int().min(1).max(16).default(2),
  })
  .strict();
export type RunConfigInput = z.input<typeof runConfigSchema>;

/** The stored configuration: the request plus what the engine was running with (recorded, not chosen). */
export type RunConfig = z.infer<typeof runConfigSchema> & {
  /** Embedding model the index was built with (`hash`, `transformers:…`). */
  embeddings: string;
  /** Chat model used for answers, or `extractive`. */
  answer_model?: string;
  /** The engine's search settings the run did not override (vector weight null = the embedder's default). */
  engine_search?: { rrf_k: number; weight_lexical: number; weight_vector: number | null; depth: number };
};

/** One ranked list for one phrasing: document URLs, best first (a document's rank = its best chunk's). */
export interface SearchOutcome {
  urls: string[];
  latency_ms: number;
}

export interface AnswerCitation {
  n: number;
  url: string;
  /** The passage text the citation points to (what the judge reads). */
  passage: string;
  /** The sentence(s) of the answer citing it. */
  sentence: string;
}

export interface AnswerOutcome {
  answer: string;
  /** The shared answer scoring (`cite eval --answers`): precision, gold recall, span containment. */
  scored: { precision: number | null; recall: number; span_contained: boolean | null };
  citations: AnswerCitation[];
  /** Sentences making a claim, and how many of them no citation supports. */
  sentences: number;
  unsupported: number;
  abstained: boolean;
  latency_ms: number;
  model: string;
}

/** The seam between evaluation and the engine: search and answer one text under a run's configuration. */
export interface EvalBackend {
  search(query: string, config: RunConfig, signal: AbortSignal): Promise<SearchOutcome>;
  answer?(item: { external_id: string; question: string; expected_answer: string | null; gold: Array<{ url: string; grade: number }> }, config: RunConfig, signal: AbortSignal): Promise<AnswerOutcome>;
}

export interface JudgeVerdict {
  /** 0..1: how well the answer matches the expected answer. */
  correctness: number | null;
  rationale: string;
  /** Per citation: does the cited passage support its sentence? */
  citations: Array<{ n: number; supported: boolean }>;
  model: string;
  error?: string;
}

export interface PhrasingResult {
  q: string;
  /** Top documents (at most 10 kept for display). */
  results: string[];
  /** Rank (1-based) of each gold URL found among the k results; absent = not found. */
  gold_ranks: Record<string, number>;
  metrics: Record<string, number>;
  latency_ms: number;
  /** Set when this phrasing's search failed (it then counts as an empty ranking, as in `cite eval`). */
  error?: string;
}

export interface AnswerResult {
  answer: string;
  citations: Array<{ n: number; url: string }>;
  sentences: number;
  unsupported: number;
  abstained: boolean;
  latency_ms: number;
  model: string;
  judge?: JudgeVerdict;
}

export interface QuestionResult {
  external_id: string;
  item_id: number | null;
  question: string;
  status: 'ok' | 'error';
  metrics: Record<string, number>;
  phrasings: PhrasingResult[];
  answer: AnswerResult | null;
  latency_ms: number | null;
  error: string | null;
}

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
