/**
 * Shapes shared by the answering stages. `RetrievedPassage` mirrors one result of the search
 * service (POST /v1/search `data[]`), so answers can be built from any retriever returning it.
 */

export interface RetrievedPassage {
  chunk_id: number | string;
  text: string;
  heading_path: string[];
  locator: Record<string, unknown>;
  score: number;
  /** An indexed source, or a page found by internet search (issue 22); absent = index. */
  origin?: 'index' | 'web';
  document: {
    id: number | string;
    url: string;
    title: string;
    updated_at?: string | Date | null;
    fetched_at?: string | null;
    metadata?: Record<string, unknown>;
  };
}

/** A retrieved passage with the number the model and the user see: `[n]`. */
export interface NumberedSource extends RetrievedPassage {
  n: number;
}

export interface Citation {
  n: number;
  chunk_id: number | string;
  document_id: number | string;
  url: string;
  title: string;
  heading_path: string[];
  /** The passage's locator; `page` is the page of the quote. */
  locator: Record<string, unknown>;
  /** The passage span that best supports the sentences citing this source, verbatim. */
  quote: string;
  /** `url` opened at the quote: `#page=N` (PDF), `#anchor:~:text=…` (web page; see citation-link.ts). */
  link: string;
  /** Best support score (0..1) of this source for a sentence citing it. */
  support: number;
  /** Whether this source supports at least one sentence citing it. */
  supported: boolean;
  /** An indexed source or a web page (answers stored before issue 22 have none: index). */
  origin?: 'index' | 'web';
  /** When the cited document was fetched (null for files). */
  fetched_at?: string | null;
}

export type UnsupportedReason = 'no_citation' | 'not_supported' | 'unknown_link';

export interface UnsupportedSentence {
  sentence: string;
  start: number;
  end: number;
  /** The source numbers the sentence cites (possibly none). */
  cited: number[];
  reason: UnsupportedReason;
  /** Best support score among the cited sources. */
  support: number;
}

export interface VerifiedAnswer {
  answer: string;
  citations: Citation[];
  unsupported: UnsupportedSentence[];
  /** Marker references to sources that were not retrieved, removed from the text. */
  removed_citations: number;
  /** Links in the generated text found in no source, replaced in the text. */
  removed_links: number;
}

/** A citation marked with its source's origin and fetch date. */
export function withOrigin(c: Citation, sources: readonly NumberedSource[]): Citation {
  const source = sources.find((s) => s.n === c.n);
  return { ...c, origin: source?.origin ?? 'index', fetched_at: source?.document.fetched_at ?? null };
}

export function numberSources(passages: RetrievedPassage[]): NumberedSource[] {
  return passages.map((p, i) => ({ ...p, n: i + 1 }));
}
