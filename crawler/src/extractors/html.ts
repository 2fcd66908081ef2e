/**
 * HTML → normalised document (main content only) + the page's links for the crawler.
 */
import type { NormalisedDocument } from '../document.js';

export interface HtmlInput {
  /** Raw bytes (charset found from the header, then <meta>, then sniffed) or a decoded string. */
  body: Buffer | string;
  /** URL the page was fetched from: base for relative links, document URL when no canonical. */
  url: string;
  /** Content-Type header, for its charset. */
  contentType?: string;
}

export interface HtmlLink {
  /** Absolute URL (fragment removed), http(s) only. */
  url: string;
  /** Anchor text, trimmed. */
  text: string;
  /** rel="nofollow" or page-wide <meta name="robots" content="nofollow">. */
  nofollow: boolean;
}

export interface HtmlExtraction {
  document: NormalisedDocument;
  links: HtmlLink[];
  /** <meta name="robots"> directives (noindex: do not index the page; nofollow: do not follow links). */
  robots: { noindex: boolean; nofollow: boolean };
}

/** Main content, headings, canonical, lang and links of a page. Empty pages return no sections. */
export declare function extractHtml(input: HtmlInput): HtmlExtraction;

/** Only the links of a page (cheaper than extractHtml when the content is not needed). */
export declare function extractLinks(input: HtmlInput): HtmlLink[];

/** Decodes HTML bytes: charset from Content-Type, else <meta charset>, else UTF-8 if valid, else windows-1252. */
export declare function decodeHtml(body: Buffer, contentType?: string): string;
