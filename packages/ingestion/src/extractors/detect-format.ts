/**
 * Which extractor to use for some bytes: magic bytes first (binaries cannot lie about what they
 * are), then the Content-Type header, then the file name, then a sniff of the text itself.
 */
import { fileTypeFromBuffer } from 'file-type';
import { CiteError } from '@cite/core/errors.js';
import { bomEncoding, declaredUtf16, decodeUtf16, decodeWithBom, sniffedUtf16Text } from './byte-order-mark.js';

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

/** How many bytes of the head detectFormat looks at. */
export const FORMAT_SNIFF_BYTES = 4096;

const DOCX_MIME = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
/** Root elements of DILA "vos droits" files. */
const DILA_ROOT = /<(Publication|ServiceComplementaire|Navigation|Ressource|Theme|SousTheme|Dossier)\b[^>]*(spUrl=|xsi:noNamespaceSchemaLocation="[^"]*Schemas|ID="[FNR]\d)/;

function mimeOf(contentType?: string): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function extOf(name?: string): string {
  if (!name) return '';
  const base = name.toLowerCase().replace(/[?#].*$/, '').split('/').pop() ?? '';
  if (base.endsWith('.jsonl.gz') || base.endsWith('.ndjson.gz')) return 'jsonl.gz';
  const i = base.lastIndexOf('.');
  return i === -1 ? '' : base.slice(i + 1);
}

/** Text formats a name or header can claim: a binary claiming one of these is refused outright. */
function claimedTextFormat(mime: string, ext: string): DocumentFormat | 'xml' | undefined {
  if (mime === 'text/html' || mime === 'application/xhtml+xml') return 'html';
  if (mime === 'text/markdown' || mime === 'text/x-markdown') return 'markdown';
  if (mime === 'application/x-ndjson' || mime === 'application/jsonl' || mime === 'application/x-jsonlines')
    return 'jsonl';
  if (mime === 'text/xml' || mime === 'application/xml') return 'xml';
  if (mime === 'text/plain') return 'text';
  switch (ext) {
    case 'html':
    case 'htm':
    case 'xhtml':
    case 'shtml':
    case 'php':
    case 'asp':
    case 'aspx':
    case 'jsp':
      return 'html';
    case 'md':
    case 'markdown':
      return 'markdown';
    case 'txt':
    case 'text':
      return 'text';
    case 'jsonl':
    case 'ndjson':
      return 'jsonl';
    case 'xml':
      return 'xml';
  }
  return undefined;
}

/** A control character that text does not hold (tab, newline, CR, form feed and escape are text). */
const isStrayControl = (c: number) => c < 0x20 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 27;

/** Control bytes other than tab/newline/CR/form feed/escape mean binary; NUL is decisive. */
function looksBinary(head: Buffer): boolean {
  const n = Math.min(head.length, FORMAT_SNIFF_BYTES);
  if (n === 0) return false;
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = head[i]!;
    if (b === 0) return true;
    if (isStrayControl(b)) control++;
  }
  return control / n > 0.1;
}

/** Decoded text that is mostly stray control characters or undecodable units (U+FFFD) was not text. */
function looksBinaryText(text: string): boolean {
  let odd = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd || isStrayControl(c)) odd++;
  }
  return text.length === 0 || odd / text.length > 0.1;
}

function sniffText(text: string): DocumentFormat | 'xml' | undefined {
  // Leading comments (CMS signatures) come before the doctype on many pages.
  const t = text.replace(/^\ufeff/, '').replace(/^(\s*<!--[\s\S]*?-->)+/, '').trimStart().slice(0, 2048).toLowerCase();
  if (t.startsWith('<!doctype html') || t.startsWith('<html') || /^<(head|body|meta|title)[\s>]/.test(t))
    return 'html';
  if (t.startsWith('<?xml')) return /<html[\s>]/.test(t) ? 'html' : 'xml';
  if (t.startsWith('{') && /^\{\s*"/.test(t)) return 'jsonl';
  return undefined;
}

/** The formats whose extractors decode UTF-16 (from its byte-order mark). */
const UTF16_FORMATS: ReadonlyArray<DocumentFormat | 'xml'> = ['html', 'markdown', 'text'];

const describe = (hint: FormatHint) => hint.name ?? hint.contentType ?? 'content';

/**
 * Throws CiteError FORMAT_UNSUPPORTED for unknown binaries and BINARY_AS_TEXT when a binary is
 * named or served as a text format (e.g. an executable called page.html).
 */
export async function detectFormat(hint: FormatHint): Promise<DocumentFormat> {
  const head = hint.head.subarray(0, FORMAT_SNIFF_BYTES);
  const mime = mimeOf(hint.contentType);
  const ext = extOf(hint.name);
  const claimed = claimedTextFormat(mime, ext);

  // Binary signatures first.
  const pdfAt = head.subarray(0, 1024).indexOf('%PDF-');
  if (pdfAt !== -1) return 'pdf';
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5)) {
    if (ext === 'docx' || mime === DOCX_MIME) return 'docx';
    // A docx names its parts in the first local headers: [Content_Types].xml then word/….
    if (head.includes('word/') && head.includes('[Content_Types].xml')) return 'docx';
    const ft = await fileTypeFromBuffer(head).catch(() => undefined);
    if (ft?.ext === 'docx') return 'docx';
    if (ft && ft.ext !== 'zip') {
      throw new CiteError('FORMAT_UNSUPPORTED', `${describe(hint)}: ${ft.mime} files are not supported`, {
        status: 415,
      });
    }
    return 'zip';
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    if (ext === 'jsonl.gz' || claimed === 'jsonl') return 'jsonl-gz';
    throw new CiteError(
      'FORMAT_UNSUPPORTED',
      `${describe(hint)}: gzip files are only accepted as JSONL (name them *.jsonl.gz)`,
      { status: 415 },
    );
  }
  // UTF-16 text is NULs and high bytes to the binary checks (and FF FE an MP3 frame to file-type): read
  // from its BOM, the Content-Type's charset or its NULs' lane, as long as what it reads is text
  const decoded = bomEncoding(head)?.startsWith('utf-16') ? decodeWithBom(head) : declaredUtf16(hint.contentType) ? decodeUtf16(head, hint.contentType) : sniffedUtf16Text(head);
  const utf16Head = decoded !== undefined && !looksBinaryText(decoded) ? decoded : undefined;
  const utf16 = utf16Head !== undefined;
  const ft = utf16 ? undefined : await fileTypeFromBuffer(head).catch(() => undefined);
  const binaryType = ft && !['xml', 'html', 'svg', 'json'].includes(ft.ext) ? ft : undefined;
  if (binaryType || (!utf16 && looksBinary(head))) {
    const what = binaryType ? `${binaryType.mime} data` : 'binary data';
    if (claimed) {
      throw new CiteError(
        'BINARY_AS_TEXT',
        `${describe(hint)} claims to be ${claimed} but holds ${what}; refused rather than indexed as garbage`,
        { status: 415 },
      );
    }
    throw new CiteError('FORMAT_UNSUPPORTED', `${describe(hint)}: ${what} is not a supported format`, {
      status: 415,
    });
  }
  if (ext === 'json' || mime === 'application/json') {
    throw new CiteError('FORMAT_UNSUPPORTED', `${describe(hint)}: JSON files are not imported; use JSONL (one document per line)`, {
      status: 415,
    });
  }
  if (ext === 'docx' || ext === 'pdf' || ext === 'zip') {
    throw new CiteError('FORMAT_MISMATCH', `${describe(hint)}: named .${ext} but the content is text`, {
      status: 415,
    });
  }

  const text = utf16Head ?? head.toString('latin1');
  const sniffed = sniffText(text);
  let format = claimed ?? sniffed;
  // Servers label everything text/plain or application/octet-stream: trust a clear sniff over that.
  if ((format === 'text' || format === undefined) && sniffed && sniffed !== 'jsonl') format = sniffed;
  if (utf16 && format !== undefined && !UTF16_FORMATS.includes(format)) {
    throw new CiteError('FORMAT_UNSUPPORTED', `${describe(hint)}: UTF-16 is read for HTML, Markdown and plain text only, not ${format}`, {
      status: 415,
    });
  }
  if (format === 'xml') {
    if (DILA_ROOT.test(text)) return 'service-public';
    if (/<html[\s>]/i.test(text)) return 'html';
    throw new CiteError(
      'FORMAT_UNSUPPORTED',
      `${describe(hint)}: XML that is not a service-public.fr (DILA) file is not supported`,
      { status: 415 },
    );
  }
  if (format) return format;
  if (!mime || mime.startsWith('text/') || mime === 'application/octet-stream') return 'text';
  throw new CiteError('FORMAT_UNSUPPORTED', `${describe(hint)}: ${mime} is not a supported format`, {
    status: 415,
  });
}
