/**
 * DOCX → HTML (mammoth) → the HTML path, so headings, lists and tables follow the same rules as
 * web pages. locator.paragraph is the 0-based index of the body paragraph a block comes from.
 */
import type Mammoth from 'mammoth';
import { load } from 'cheerio';
import type { Element } from 'domhandler';
import { CiteError } from '@cite/core/errors.js';
import type { NormalisedDocument } from '../document.js';
import { htmlToSections } from './html.js';

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

/** mammoth is loaded on the first DOCX (~35 MB of RSS an ingestion without Word files does not need). */
let mammothModule: Promise<typeof Mammoth> | undefined;
const loadMammoth = () => (mammothModule ??= import('mammoth').then((m) => (m as { default?: typeof Mammoth }).default ?? (m as unknown as typeof Mammoth)));

export async function extractDocx(input: DocxInput): Promise<NormalisedDocument> {
  const mammoth = await loadMammoth();
  let html: string;
  try {
    const result = await mammoth.convertToHtml({ buffer: input.data }, { styleMap: STYLE_MAP, ignoreEmptyParagraphs: false });
    html = result.value;
  } catch (e) {
    throw new CiteError('DOCX_CORRUPT', `DOCX cannot be read: ${(e as Error).message}`, { status: 422, cause: e });
  }
  const $ = load(`<body>${html}</body>`, { xml: { xmlMode: false, decodeEntities: true } });
  const body = $('body')[0] as Element;
  const { sections, firstHeading } = htmlToSections(body, { paragraphLocators: true, format: 'docx' });
  const title = firstHeading ?? input.fallbackTitle ?? input.url;
  for (const s of sections) if (s.headingPath[0] !== title) s.headingPath = [title, ...s.headingPath];
  return { url: input.url, title, lang: 'fr', sections, metadata: {}, format: 'docx' };
}
