/**
 * The shape of a NormalisedDocument, checked before it is prepared. The extractors and the JSONL reader
 * only make well-formed ones, but `prepareDocument` is a package export: a caller passing a number as a
 * title or `null` in a heading path got a TypeError from deep in the cleaning code, with no code and no
 * field named. It now gets DOCUMENT_INVALID (422) naming the first field that is wrong.
 */
import { CiteError } from '@cite/core/errors.js';
import type { Block, NormalisedDocument } from '../document.js';

const BLOCK_KINDS: ReadonlySet<Block['kind']> = new Set(['paragraph', 'list-item', 'table', 'heading', 'code', 'note']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Throws DOCUMENT_INVALID unless `raw` has the fields and types a NormalisedDocument has. */
export function assertDocumentShape(raw: unknown): asserts raw is NormalisedDocument {
  const wrong = firstWrongField(raw);
  if (wrong === null) return;
  const url = isObject(raw) && typeof raw.url === 'string' ? `${raw.url.slice(0, 200)}: ` : '';
  throw new CiteError('DOCUMENT_INVALID', `${url}the document is malformed: ${wrong}`, { status: 422 });
}

/** What is wrong first ("sections[2].blocks[0].text is not a string"), or null. */
function firstWrongField(raw: unknown): string | null {
  if (!isObject(raw)) return 'it is not an object';
  for (const key of ['url', 'title', 'lang', 'format'] as const) {
    if (typeof raw[key] !== 'string') return `${key} is not a string`;
  }
  for (const key of ['description', 'publishedAt', 'modifiedAt'] as const) {
    if (raw[key] !== undefined && raw[key] !== null && typeof raw[key] !== 'string') return `${key} is not a string`;
  }
  if (raw.metadata !== undefined && raw.metadata !== null && !isObject(raw.metadata)) return 'metadata is not an object';
  if (!Array.isArray(raw.sections)) return 'sections is not an array';
  for (let s = 0; s < raw.sections.length; s++) {
    const section: unknown = raw.sections[s];
    const at = `sections[${s}]`;
    if (!isObject(section)) return `${at} is not an object`;
    if (!Array.isArray(section.headingPath)) return `${at}.headingPath is not an array`;
    const heading = section.headingPath.findIndex((h) => typeof h !== 'string');
    if (heading >= 0) return `${at}.headingPath[${heading}] is not a string`;
    if (!Array.isArray(section.blocks)) return `${at}.blocks is not an array`;
    for (let b = 0; b < section.blocks.length; b++) {
      const block: unknown = section.blocks[b];
      if (!isObject(block)) return `${at}.blocks[${b}] is not an object`;
      if (typeof block.text !== 'string') return `${at}.blocks[${b}].text is not a string`;
      if (!BLOCK_KINDS.has(block.kind as Block['kind'])) return `${at}.blocks[${b}].kind is not one of ${[...BLOCK_KINDS].join(', ')}`;
      if (block.locator !== undefined && !isObject(block.locator)) return `${at}.blocks[${b}].locator is not an object`;
    }
  }
  return null;
}
