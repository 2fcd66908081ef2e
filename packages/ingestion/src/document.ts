/**
 * The normalised document every extractor returns, whatever the input format.
 * The chunker and the indexer only ever see this shape.
 */
export interface Locator {
  /** 1-based PDF page: of the block; of a chunk, the page it starts on; of a citation, the page of its quote. */
  page?: number;
  /** Of a chunk (PDF): the first and last page its text lies on. */
  page_start?: number;
  page_end?: number;
  /** Of a chunk spanning pages: where each later page begins, as a character offset in the chunk's text. */
  page_breaks?: PageBreak[];
  /**
   * HTML anchor id (without '#') of the nearest heading at or before the block: an id on an h1–h6, on an
   * anchor inside it, or on the section/article the heading opens. What a link to the passage targets.
   */
  anchor?: string;
  /** 0-based DOCX paragraph index. */
  paragraph?: number;
  /** Character span of the chunk inside the section text ([start, end[). */
  start?: number;
  end?: number;
}

export interface PageBreak {
  /** Offset in the chunk text of the first character of `page`. */
  offset: number;
  page: number;
}

export interface Block {
  /** Plain text or Markdown (tables as Markdown tables, list items as "- item"). */
  text: string;
  kind: 'paragraph' | 'list-item' | 'table' | 'heading' | 'code' | 'note';
  locator?: Locator;
}

export interface Section {
  /** Titles from the document title's level downwards, e.g. ["Congés payés", "Durée"]. */
  headingPath: string[];
  blocks: Block[];
}

export interface NormalisedDocument {
  /** Canonical URL: identity of the document inside a collection. */
  url: string;
  title: string;
  /** BCP 47 primary tag, 'fr' when unknown. */
  lang: string;
  description?: string;
  sections: Section[];
  publishedAt?: string; // ISO 8601
  modifiedAt?: string; // ISO 8601
  /** Format-specific metadata (audiences, theme, breadcrumb, sources…). JSON-serialisable. */
  metadata: Record<string, unknown>;
  /** Which extractor produced it: html | pdf | docx | service-public | jsonl | text | markdown. */
  format: string;
}
