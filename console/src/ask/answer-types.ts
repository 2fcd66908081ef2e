/**
 * Shapes of the /v1 answering and search API as the console reads them (design: Interfaces).
 * Optional fields are read defensively: a missing one hides a detail, it never breaks the screen.
 */
import type { Citation as EngineCitation, UnsupportedSentence as EngineUnsupported } from '@cite/retrieval/answers/types.js';
import type { AnswerListRow } from '@cite/retrieval/answers/answers-repo.js';
import type { SearchHit as EngineSearchHit, SearchResponse } from '@cite/retrieval/search/search-schema.js';

export interface Locator {
  /** Of a citation: the page of its quote. */
  page?: number;
  page_start?: number;
  page_end?: number;
  anchor?: string;
  paragraph?: number;
  start?: number;
  end?: number;
}

/** A citation as the engine returns it; the review API adds the cited passage as it is now. */
export type Citation = Omit<EngineCitation, 'locator' | 'support' | 'supported' | 'document_id' | 'link'> & {
  locator?: Locator | Record<string, unknown> | null;
  /** Absent from answers stored before citations had links. */
  link?: string;
  support?: number;
  supported?: boolean;
  document_id?: number | string;
  passage?: { text: string; heading_path: string[]; locator: Record<string, unknown>; url: string; title: string } | null;
  text?: string;
};

export type UnsupportedSentence = Partial<EngineUnsupported> & { text?: string };

/** POST /v1/answers result (and GET /v1/answers/:id, which has the same fields and more). */
export interface AnswerResult {
  id: string;
  question?: string;
  answer: string;
  citations: Citation[];
  unsupported?: (UnsupportedSentence | string)[];
  abstained: boolean;
  closest_sources?: { url: string; title: string; chunk_id: number | string }[];
  mode?: 'extractive' | 'llm';
  model?: string | null;
  timings?: Record<string, number>;
  /** What internet search could not do: the answer comes from the rest. */
  warnings?: { code: string; message: string }[];
  created_at?: string;
  /** The query actually searched: the question, or a follow-up made standalone. */
  retrieval_query?: string;
  /** Why Cité declined, when it did. */
  abstain_reason?: string;
  /** The relevance gate's figures (covered share, threshold, missing terms…), shown as they come. */
  relevance?: Record<string, unknown>;
}

/** A row of the review queue (GET /admin/api/answers). */
export type ReviewAnswer = AnswerListRow;

export type SearchHit = EngineSearchHit;
export type SearchResult = SearchResponse;

export type Verdict = 'supports' | 'does_not_support' | 'irrelevant';
export const VERDICTS: Verdict[] = ['supports', 'does_not_support', 'irrelevant'];
export const REASONS = ['incorrect', 'incomplete', 'outdated_source', 'wrong_citation', 'not_useful', 'other'] as const;
export type Reason = (typeof REASONS)[number];

export interface FeedbackInput {
  rating: 'up' | 'down';
  reasons?: Reason[];
  comment?: string;
  citations?: { n: number; verdict: Verdict }[];
}

export interface ConversationTurn {
  role: 'user' | 'assistant';
  content: string;
}

/** What the stream handler is told as the answer arrives. */
export interface AnswerStreamHandlers {
  onDelta: (text: string) => void;
  onCitations?: (citations: Citation[]) => void;
}
