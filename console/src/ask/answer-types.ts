/**
 * Shapes of the /v1 answering and search API as the console reads them (design: Interfaces).
 * Optional fields are read defensively: a missing one hides a detail, it never breaks the screen.
 */
export interface Locator {
  page?: number;
  anchor?: string;
  paragraph?: number;
  start?: number;
  end?: number;
}

export interface Citation {
  n: number;
  chunk_id: number | string;
  url: string;
  title: string;
  quote: string;
  locator?: Locator | null;
  heading_path?: string[];
  text?: string;
}

export interface UnsupportedSentence {
  sentence?: string;
  text?: string;
  start?: number;
  end?: number;
}

export interface AnswerResult {
  id: string;
  question?: string;
  answer: string;
  citations: Citation[];
  unsupported?: (UnsupportedSentence | string)[];
  abstained: boolean;
  mode?: 'extractive' | 'llm';
  timings?: Record<string, number>;
  created_at?: string;
}

export interface SearchHit {
  chunk_id: number | string;
  text: string;
  heading_path: string[];
  locator?: Locator | null;
  score: number;
  document: { id: number | string; url: string; title: string; updated_at?: string; metadata?: Record<string, unknown> };
  ranks?: Record<string, number | null | undefined> & { lexical?: number | null; vector?: number | null };
  scores?: Record<string, number | null | undefined>;
}

export interface SearchResult {
  data: SearchHit[];
  timings?: Record<string, number>;
}

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
