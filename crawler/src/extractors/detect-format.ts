/**
 * Which extractor to use for some bytes: from magic bytes first (binaries cannot lie), then the
 * Content-Type header, then the file name.
 */
export type DocumentFormat =
  | 'html'
  | 'pdf'
  | 'docx'
  | 'service-public'
  | 'jsonl'
  | 'jsonl-gz'
  | 'text'
  | 'markdown'
  | 'zip';

export interface FormatHint {
  /** First bytes of the content (4 KiB is plenty). */
  head: Buffer;
  name?: string;
  contentType?: string;
}

/**
 * Throws CiteError FORMAT_UNSUPPORTED for unknown binaries and BINARY_AS_TEXT when a binary is
 * named or served as a text format (e.g. an executable called page.html).
 */
export declare function detectFormat(hint: FormatHint): Promise<DocumentFormat>;
