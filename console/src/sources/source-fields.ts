/**
 * The source kinds and render modes the crawler accepts (packages/ingestion/src/sources/source-schema.ts is the
 * contract; its zod schema also validates on the server, whose errors land on the form's fields).
 * Only the lists are repeated here: importing that module would ship zod and cron-parser to browsers.
 */
import type { SourceKind, RenderMode } from '@cite/ingestion/sources/source-schema.js';

export const SOURCE_KINDS: SourceKind[] = ['website', 'sitemap', 'service-public', 'jsonl', 'files', 'dila'];
export const RENDER_MODES: RenderMode[] = ['never', 'auto', 'always'];
export const SOURCE_STATUSES = ['idle', 'queued', 'crawling', 'failed'] as const;

/**
 * Natures of LEGI texts an admin picks from (`dila_filter.natures`; the server takes any nature DILA writes
 * in a text's NATURE attribute: these are those worth importing whole).
 */
export const DILA_NATURES = ['CODE', 'LOI', 'LOI_ORGANIQUE', 'ORDONNANCE', 'DECRET', 'ARRETE'] as const;

/** Lines of a textarea ↔ list of strings. */
export const linesToList = (v: unknown): string[] =>
  typeof v === 'string'
    ? v
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean)
    : Array.isArray(v)
      ? (v as string[])
      : [];
/** Ids typed one a line or separated by commas or spaces ("1486, 3248") ↔ list. */
export const wordsToList = (v: unknown): string[] =>
  typeof v === 'string' ? v.split(/[\s,;]+/).filter(Boolean) : Array.isArray(v) ? (v as string[]) : [];
export const listToLines = (v: unknown): string => (Array.isArray(v) ? v.join('\n') : typeof v === 'string' ? v : '');

/** Client-side checks, so mistakes show while typing; the server checks again with the same rules. */
export const validateUrls = (required: boolean, httpOnly: boolean) => (value: unknown) => {
  const list = linesToList(value);
  if (!list.length) return required ? 'cite.sources.validation.urls_required' : undefined;
  for (const u of list) {
    if (!httpOnly && !/^[a-z]+:\/\//i.test(u)) continue; // server-side paths are allowed for archives
    try {
      const parsed = new URL(u);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
    } catch {
      return { message: 'cite.sources.validation.url', args: { url: u } };
    }
  }
  return undefined;
};

export const validateCron = (value: unknown) => {
  if (value == null || value === '') return undefined;
  const fields = String(value).trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6 || !fields.every((f) => /^[\d*/,\-A-Za-z?LW#]+$/.test(f))) {
    return 'cite.sources.validation.cron';
  }
  return undefined;
};

export const validateRange = (min: number, max: number) => (value: unknown) => {
  if (value == null || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= min && n <= max ? undefined : { message: 'cite.sources.validation.range', args: { min, max } };
};
