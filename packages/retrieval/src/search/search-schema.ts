/**
 * What POST /v1/search accepts and returns. The same schemas validate the CLI's input, the answers'
 * retriever filters and generate the OpenAPI document, so every entry point refuses the same things.
 */
import { z } from 'zod';

export const SEARCH_MODES = ['hybrid', 'lexical', 'vector'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

/** Longest query accepted, in characters: longer input is a pasted document, not a search. */
export const MAX_QUERY_CHARS = 2000;
export const MAX_K = 100;
export const MAX_OFFSET = 1000;

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const ids = z.array(id).min(1, 'expected at least one id').max(1000);
/** A collection by id or by name (collections/collection-refs.ts resolves names before any SQL). */
const collectionRefs = z
  .array(z.union([id, z.string().trim().min(1, 'a collection name is not empty').max(200)]))
  .min(1, 'expected at least one collection')
  .max(1000);
const scalar = z.union([z.string().max(500), z.number().finite(), z.boolean()]);
/** Metadata keys are plain names: no JSON paths, quotes or operators. */
const metadataKey = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, 'metadata keys are letters, digits, _ . - (at most 64)');
/**
 * Refuses a `__proto__` condition, which the record schema drops without a word (it never runs the key
 * schema on it): the filter was ignored and every document matched.
 */
const withoutProtoKey = (value: unknown, ctx: { addIssue(issue: { code: 'custom'; message: string }): void }) => {
  if (value !== null && typeof value === 'object' && Object.hasOwn(value, '__proto__')) {
    ctx.addIssue({ code: 'custom', message: 'metadata key __proto__ is not accepted' });
  }
  return value;
};
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-](\d{2}):?(\d{2}))?)?$/;
/**
 * A date PostgreSQL reads as one: Date.parse rolls 2024-02-30 over to March 1st where PostgreSQL refuses it
 * (the search then failed with a 500), and year 0 does not exist there.
 */
export function isCalendarDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const [year, month, day, hour, minute, second, offsetHour, offsetMinute] = m.slice(1).map((x) => Number(x ?? 0));
  // day 0 of the next month is the month's last (years 1–99 read as 1901–1999 here: same leap years)
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  return (
    year! >= 1 && month! >= 1 && month! <= 12 && day! >= 1 && day! <= daysInMonth &&
    hour! <= 23 && minute! <= 59 && second! <= 59 && offsetHour! <= 15 && offsetMinute! <= 59
  );
}
const isoDate = z.string().max(40).refine(isCalendarDate, {
  message: 'expected an ISO 8601 date such as 2024-01-31 or 2024-01-31T12:00:00Z',
});

export const searchFiltersSchema = z
  .object({
    collections: collectionRefs.optional().describe('Only these collections, by id or by name (an unknown one is refused: COLLECTION_NOT_FOUND)'),
    sources: ids.optional().describe('Only these source ids'),
    documents: ids.optional().describe('Only these document ids'),
    metadata: z
      .preprocess(
        withoutProtoKey,
        z
          .record(metadataKey, z.union([scalar, z.object({ in: z.array(scalar).min(1).max(100) }).strict()]))
          .refine((m) => Object.keys(m).length <= 20, 'at most 20 metadata conditions'),
      )
      .optional()
      .describe('Document metadata conditions: {"key": value} for equality, {"key": {"in": [v1, v2]}} for any of'),
    updated_after: isoDate.optional().describe('Documents modified at or after this date'),
    updated_before: isoDate.optional().describe('Documents modified before this date'),
    audience: z
      .union([z.string().min(1).max(100), z.array(z.string().min(1).max(100)).min(1).max(10)])
      .optional()
      .describe('service-public audience(s): particuliers, professionnels, associations'),
    in_force: z.boolean().optional().describe('true: leave out texts marked as no longer in force; false: only those'),
  })
  .strict();
export type SearchFilters = z.infer<typeof searchFiltersSchema>;
/** Filters once collection names are resolved to ids: what the SQL builders take. */
export type ResolvedSearchFilters = Omit<SearchFilters, 'collections'> & { collections?: number[] };

export const searchBodySchema = z
  .object({
    query: z
      .string()
      .max(MAX_QUERY_CHARS, `the query is longer than ${MAX_QUERY_CHARS} characters`)
      .refine((q) => q.trim().length > 0, 'the query is empty'),
    k: z.number().int().min(1, 'k must be between 1 and 100').max(MAX_K, `k must be between 1 and ${MAX_K}`).optional(),
    offset: z.number().int().min(0).max(MAX_OFFSET).optional().describe('Results to skip (pagination after fusion)'),
    mode: z.enum(SEARCH_MODES).optional(),
    filters: searchFiltersSchema.optional(),
    group_by_document: z.boolean().optional().describe('Each document once, at the rank of its best chunk, with its best chunks'),
    rerank: z.boolean().optional().describe('Apply the configured reranker (SEARCH_RERANKER); default from configuration'),
    debug: z.boolean().optional().describe('Per-branch ranks and scores, per-stage timings'),
    web: z
      .boolean()
      .optional()
      .describe('Also search the internet (keys with web_search; WEB_SEARCH_PROVIDER set): result pages are fetched, indexed in the `web` collection and ranked with the indexed sources'),
  })
  .strict();
export type SearchBody = z.infer<typeof searchBodySchema>;

const ranksSchema = z.object({
  lexical: z.object({ rank: z.number(), score: z.number() }).nullable(),
  vector: z
    .object({ rank: z.number(), score: z.number() })
    .nullable()
    .describe('null when the vector branch did not bring the chunk, or (hybrid) brought it below SEARCH_VECTOR_MIN_SIMILARITY: no vote'),
  fused: z.object({ rank: z.number(), score: z.number() }),
  rerank: z.object({ rank: z.number(), score: z.number() }).nullable().optional(),
});

export const searchHitSchema = z.object({
  chunk_id: z.number(),
  text: z.string(),
  heading_path: z.array(z.string()),
  locator: z.record(z.string(), z.unknown()),
  score: z.number(),
  document: z.object({
    id: z.number(),
    url: z.string(),
    title: z.string(),
    updated_at: z.string().nullable(),
    fetched_at: z.string().nullable().optional().describe('When Cité last fetched the document (crawled pages, web search results)'),
    metadata: z.record(z.string(), z.unknown()),
  }),
  origin: z.enum(['index', 'web']).optional().describe('With "web": true: an indexed source, or a page found by internet search'),
  ranks: ranksSchema.optional(),
  /** group_by_document: the document's other best chunks, after the first. */
  more: z
    .array(z.object({ chunk_id: z.number(), text: z.string(), heading_path: z.array(z.string()), locator: z.record(z.string(), z.unknown()), score: z.number() }))
    .optional(),
});
export type SearchHit = z.infer<typeof searchHitSchema>;

export const searchResponseSchema = z.object({
  data: z.array(searchHitSchema),
  timings: z.record(z.string(), z.number()),
  /** Why the results are less than asked for (e.g. the vector branch left out), with a code. */
  warnings: z.array(z.object({ code: z.string(), message: z.string() })).optional(),
});
export type SearchResponse = z.infer<typeof searchResponseSchema>;
