/**
 * DOCX → HTML (mammoth, in its own thread: docx-thread.ts) → the HTML path, so headings, lists and tables
 * follow the same rules as web pages. locator.paragraph is the 0-based index of the body paragraph a block
 * comes from. A DOCX is a zip: its XML parts' unpacked size is bounded first (DOCX_TOO_LARGE).
 */
import { load } from 'cheerio';
import type { Element } from 'domhandler';
import { readZip, type ArchiveLimits } from './archive.js';
import { docxToHtml } from './docx-thread.js';
import { docxCorrupt, docxTooLarge } from './extract-errors.js';
import type { NormalisedDocument } from '../document.js';
import { htmlToSections, tooDeep } from './html.js';

export interface DocxLimits {
  /** Most bytes the XML parts may unpack to, all together (INGEST_DOCX_MAX_XML_BYTES). */
  maxXmlBytes: number;
  /** The zip guards of archives (entries, ratio), applied to the DOCX's parts. */
  zip: Pick<ArchiveLimits, 'maxEntries' | 'maxRatio'>;
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

/**
 * True when the part's DOCTYPE declares entities. Word never writes any; they are how XXE and billion-laughs
 * files are built. mammoth's parser expands none, but refuses a part using them with its raw text
 * ("[xmldom error]\tentity not found:&lol3;\n@#[line:undefined,col:undefined]"): refused here, with a message
 * saying what is wrong. A DOCTYPE without entities still reads, as before; markup after the first element
 * (text, CDATA) is no DOCTYPE.
 */
function declaresEntities(part: Buffer): boolean {
  const doctype = part.indexOf('<!DOCTYPE');
  if (doctype === -1 || /<[A-Za-z_]/.test(part.subarray(0, doctype).toString('latin1'))) return false;
  const root = part.subarray(doctype).toString('latin1').search(/<[A-Za-z_]/);
  return part.subarray(doctype, root === -1 ? undefined : doctype + root).includes('<!ENTITY');
}

/** Archive refusals that speak of size (a bomb), as opposed to a broken or unreadable part. */
const SIZE_REFUSALS = new Set(['ZIP_BOMB', 'ZIP_TOO_MANY_ENTRIES', 'ZIP_ENTRY_TOO_LARGE']);

/**
 * Unpacks the DOCX's XML parts with the archive guards (sizes checked as declared, then as inflated: headers
 * lie; images are left packed) and refuses one whose XML would unpack past `limits.maxXmlBytes`: mammoth
 * holds the XML in memory several times over.
 */
async function checkParts(data: Buffer, limits: DocxLimits): Promise<void> {
  const zip: ArchiveLimits = { ...limits.zip, maxEntryBytes: limits.maxXmlBytes, maxTotalBytes: limits.maxXmlBytes, maxDepth: 0 };
  for await (const item of readZip({ data }, zip, (name) => XML_PART.test(name))) {
    if (item.ok) {
      if (declaresEntities(item.data)) {
        throw docxCorrupt(`its part ${item.name} declares XML entities, which Word never writes`);
      }
      continue;
    }
    const message = `DOCX part ${item.name || '(index)'}: ${item.message}`;
    if (SIZE_REFUSALS.has(item.code)) throw docxTooLarge(message);
    throw docxCorrupt(message);
  }
}

/**
 * mammoth's HTML → sections, as for web pages. Its nesting is the document's: tables nested 1,000 deep (40 KB
 * of XML) read in mammoth's thread, then overflowed the stack here (DOCUMENT_TOO_DEEP, not a bare RangeError).
 */
function sectionsOf(html: string): ReturnType<typeof htmlToSections> {
  try {
    const $ = load(`<body>${html}</body>`, { xml: { xmlMode: false, decodeEntities: true } });
    return htmlToSections($('body')[0] as Element, { paragraphLocators: true, format: 'docx' });
  } catch (e) {
    throw tooDeep(e);
  }
}

export async function extractDocx(input: DocxInput, limits: DocxLimits): Promise<NormalisedDocument> {
  const deadline = Date.now() + limits.timeoutMs;
  await checkParts(input.data, limits);
  const html = await docxToHtml(input.data, STYLE_MAP, deadline);
  const { sections, firstHeading } = sectionsOf(html);
  const title = firstHeading ?? input.fallbackTitle ?? input.url;
  for (const s of sections) if (s.headingPath[0] !== title) s.headingPath = [title, ...s.headingPath];
  return { url: input.url, title, lang: 'fr', sections, metadata: {}, format: 'docx' };
}
