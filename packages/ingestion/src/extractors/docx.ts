/**
 * DOCX → HTML (mammoth, in its own thread: docx-thread.ts) → the HTML path, so headings, lists and tables
 * follow the same rules as web pages. locator.paragraph is the 0-based index of the body paragraph a block
 * comes from. A DOCX is a zip: its XML parts' unpacked size is bounded first (DOCX_TOO_LARGE).
 */
import { load } from 'cheerio';
import type { Element } from 'domhandler';
import { readZip, type ArchiveLimits } from './archive.js';
import { docxToHtml } from './docx-thread.js';
import { docxTooComplex } from './extract-errors.js';
import { CiteError } from '@cite/core/errors.js';
import type { NormalisedDocument } from '../document.js';
import { htmlToSections } from './html.js';

export interface DocxLimits {
  /** Most bytes the XML parts may unpack to, all together (INGEST_DOCX_MAX_XML_BYTES). */
  maxXmlBytes: number;
  /** The zip guards of archives (ratio, entries, total), applied to the DOCX's parts. */
  zip: Pick<ArchiveLimits, 'maxEntries' | 'maxTotalBytes' | 'maxRatio'>;
  /** Time budget (ms). */
  timeoutMs: number;
}

export interface DocxInput {
  data: Buffer;
  url: string;
  /** Title when the document has no level-1 heading (file name). */
  fallbackTitle?: string;
}

// French Word names its heading styles "Titre 1…", English Word "Heading 1…"; mammoth only knows
// the English ones by default. The "Title"/"Titre" style is the document title.
const STYLE_MAP = [
  "p[style-name='Title'] => h1:fresh",
  "p[style-name='Titre'] => h1:fresh",
  ...[1, 2, 3, 4, 5, 6].flatMap((n) => [
    `p[style-name='Titre ${n}'] => h${n}:fresh`,
    `p[style-name='heading ${n}'] => h${n}:fresh`,
  ]),
];

const XML_PART = /\.(xml|rels)$/i;
/** Archive refusals that speak of size (a bomb), as opposed to a broken or unreadable part. */
const SIZE_REFUSALS = new Set(['ZIP_BOMB', 'ZIP_TOO_MANY_ENTRIES', 'ZIP_ENTRY_TOO_LARGE']);

/**
 * Unpacks the DOCX's parts with the archive guards (sizes checked as declared, then as inflated: headers
 * lie) and refuses one whose XML would unpack past `limits.maxXmlBytes`: mammoth holds the XML in memory
 * several times over. Other parts (images) only need to be readable zip entries.
 */
async function checkParts(data: Buffer, limits: DocxLimits): Promise<void> {
  let xmlBytes = 0;
  const zip: ArchiveLimits = { ...limits.zip, maxEntryBytes: limits.maxXmlBytes, maxDepth: 0 };
  for await (const item of readZip({ data }, zip)) {
    const xml = XML_PART.test(item.name);
    if (!item.ok) {
      if (!item.fatal && !xml) continue; // an image too large or unreadable: no text in it
      const message = `DOCX part ${item.name || '(index)'}: ${item.message}`;
      if (SIZE_REFUSALS.has(item.code)) throw docxTooComplex('DOCX_TOO_LARGE', message);
      throw new CiteError('DOCX_CORRUPT', `DOCX cannot be read: ${message}`, { status: 422 });
    }
    if (!xml) continue;
    xmlBytes += item.data.length;
    if (xmlBytes > limits.maxXmlBytes) {
      throw docxTooComplex('DOCX_TOO_LARGE', `DOCX XML unpacks past ${limits.maxXmlBytes} bytes (INGEST_DOCX_MAX_XML_BYTES)`);
    }
  }
}

export async function extractDocx(input: DocxInput, limits: DocxLimits): Promise<NormalisedDocument> {
  const deadline = Date.now() + limits.timeoutMs;
  await checkParts(input.data, limits);
  const html = await docxToHtml(input.data, STYLE_MAP, deadline);
  const $ = load(`<body>${html}</body>`, { xml: { xmlMode: false, decodeEntities: true } });
  const body = $('body')[0] as Element;
  const { sections, firstHeading } = htmlToSections(body, { paragraphLocators: true, format: 'docx' });
  const title = firstHeading ?? input.fallbackTitle ?? input.url;
  for (const s of sections) if (s.headingPath[0] !== title) s.headingPath = [title, ...s.headingPath];
  return { url: input.url, title, lang: 'fr', sections, metadata: {}, format: 'docx' };
}
