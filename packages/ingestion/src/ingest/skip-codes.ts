/**
 * Documents left out on purpose, as opposed to documents that could not be read. A fiche withdrawn from
 * service-public.fr, a file of a type Cité does not index, a file with no text: the input is as it should
 * be and nothing is to be fixed, so they are counted as skipped (with their reason), never as failed,
 * like the crawler's skips (robots, noindex, unsupported type, empty page). Everything else an extractor
 * or the indexer refuses is a failure.
 *
 * They are still recorded one by one in ingest_errors, under their code: readers classify by code with
 * this list (`isSkipCode`, and `SKIP_CODES` as a bind parameter in SQL).
 */
export const SKIP_CODES = ['SP_NOT_PUBLISHED', 'FORMAT_UNSUPPORTED', 'EMPTY_DOCUMENT'] as const;

export const isSkipCode = (code: string): boolean => (SKIP_CODES as readonly string[]).includes(code);
