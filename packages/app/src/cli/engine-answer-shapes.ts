/**
 * What the CLI reads of each engine answer, checked by callEngine before any of it is read: an address that
 * answers 200 with other JSON (another service, a proxy's stub, an engine of another version) is then
 * ENGINE_ANSWER_INVALID in one line, not a TypeError from deep in a formatter.
 * Each shape holds only what the CLI dereferences, calls a method of or hands to a string function: the
 * engine's documented schemas are not checked at runtime, and an answer the CLI can print is not refused
 * over a field it never reads. The answer is then used as it came (`--json` prints it unchanged).
 */
import { z } from 'zod';

const rank = z.object({ rank: z.number(), score: z.number() }).nullable();

/** POST /v1/search, as `cite search` prints it and `cite eval` scores it. */
export const searchAnswerShape = z.object({
  data: z.array(
    z.object({
      text: z.string(),
      heading_path: z.array(z.string()),
      score: z.number(),
      document: z.object({ url: z.string(), title: z.string().nullish() }),
      ranks: z.object({ lexical: rank, vector: rank }).nullish(),
    }),
  ),
  timings: z.record(z.string(), z.unknown()),
});

/** POST /v1/answers, as `cite ask` prints it (`--debug` too) and `cite eval --answers` scores it. */
export const answerShape = z.object({
  answer: z.string(),
  citations: z.array(
    z.object({
      url: z.string(),
      title: z.string(),
      link: z.string(),
      quote: z.string(),
      heading_path: z.array(z.string()).nullish(),
      locator: z.record(z.string(), z.unknown()),
    }),
  ),
  unsupported: z.array(z.object({ sentence: z.string() })),
  retrieval_query: z.string(),
  abstain_reason: z.string().nullish(),
  relevance: z
    .object({ terms: z.array(z.object({})), missing_terms: z.array(z.unknown()), unknown_terms: z.array(z.unknown()) })
    .nullish(),
  timings: z.record(z.string(), z.unknown()),
});

/** POST /admin/api/api-keys: the new key, shown once. */
export const createdKeyShape = z.object({ key: z.string() });

/** GET /admin/api/api-keys: one line per key. */
export const keyListShape = z.array(z.object({}));

/** GET /admin/api/api-keys/:id/export, counted when written to a file. */
export const keyExportShape = z.object({ answers: z.array(z.unknown()), feedback: z.array(z.unknown()) });

/** POST /admin/api/api-keys/:id/erase. */
export const erasureShape = z.object({ erased: z.object({ other: z.record(z.string(), z.unknown()) }) });

/** POST /admin/api/retention/purge. */
export const purgeShape = z.object({ deleted: z.object({}), exempt: z.object({}) });

/** POST /admin/api/sources: the source to crawl. */
export const sourceShape = z.object({ id: z.number() });

/** A crawl run as `cite crawl` follows it and sums it up. */
export const crawlRunShape = z.object({
  id: z.number(),
  status: z.string(),
  skip_reasons: z.record(z.string(), z.unknown()),
  fail_reasons: z.record(z.string(), z.unknown()),
  failed_urls: z.array(z.object({ url: z.string(), message: z.string().nullish() })),
  error: z.string().nullish(),
});

/** POST /admin/api/eval-sets/import. */
export const importedSetShape = z.object({ set: z.object({ id: z.number() }), reused: z.boolean().optional() });

/** An evaluation run as `cite eval` follows it and sums it up. */
export const evalRunShape = z.object({
  id: z.number(),
  status: z.string(),
  aggregates: z.record(z.string(), z.unknown()),
});

/** GET /admin/api/eval-runs/:id/guard. */
export const guardShape = z.object({
  checked: z.array(z.unknown()),
  failures: z.array(
    z.object({ metric: z.string(), candidate: z.number(), baseline: z.number(), threshold: z.number() }),
  ),
});
