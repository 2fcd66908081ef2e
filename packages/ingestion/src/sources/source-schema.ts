/**
 * Sources: what admins register for Cité to keep indexed. The zod schemas here are the contract
 * of the admin API and of the console's forms (the console imports these types).
 */
import { createRequire } from 'node:module';
import { z } from 'zod';
import { isValidGlob } from '../urls/scope.js';

export const SOURCE_KINDS = ['website', 'sitemap', 'service-public', 'jsonl', 'files', 'dila'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
export const RENDER_MODES = ['never', 'auto', 'always'] as const;
export type RenderMode = (typeof RENDER_MODES)[number];
export const SOURCE_STATUSES = ['idle', 'queued', 'crawling', 'failed', 'deleted'] as const;

/** Defaults of a source's crawl settings, in one place. */
export const SOURCE_DEFAULTS = {
  include: [] as string[],
  exclude: [] as string[],
  max_depth: 10,
  max_pages: 10_000,
  rate_per_host: 2,
  render: 'auto' as RenderMode,
  enabled: true,
  mask_personal_data: false,
};

type CronParser = typeof import('cron-parser').CronExpressionParser;
let cronParser: CronParser | undefined;

/**
 * cron-parser, loaded on first use: it brings luxon (~3 MB of live heap), which every process that
 * imports this schema (the crawl worker among them) would otherwise carry though only schedules need it;
 * V8 lets the heap grow to a multiple of what stays live, so each MB kept costs several at peak.
 * A CommonJS package, so it loads synchronously, inside the schema's synchronous checks.
 */
function cron(): CronParser {
  cronParser ??= (createRequire(import.meta.url)('cron-parser') as typeof import('cron-parser')).CronExpressionParser;
  return cronParser;
}

/** True when `expr` is a cron expression cron-parser accepts (5 or 6 fields). */
export function isValidCron(expr: string): boolean {
  try {
    cron().parse(expr);
    return expr.trim().split(/\s+/).length >= 5;
  } catch {
    return false;
  }
}

/** Next time a cron schedule fires after `from` (UTC). */
export function nextCronRun(expr: string, from = new Date()): Date {
  return cron().parse(expr, { currentDate: from, tz: 'UTC' }).next().toDate();
}

const glob = z.string().trim().min(1).max(1000).refine(isValidGlob, { message: 'invalid glob pattern' });

/**
 * `dila` sources: which texts of the LEGI / KALI dumps to import (empty lists: every text). An article is
 * imported when it matches any criterion given: its text or agreement id, its text's nature (CODE = all
 * codes), its agreement's IDCC.
 */
export const dilaFilterSchema = z
  .object({
    texts: z.array(z.string().trim().toUpperCase().regex(/^(LEGITEXT|KALICONT|KALITEXT)\d{12}$/, 'a LEGITEXT, KALICONT or KALITEXT id')).max(5000).default([]),
    natures: z.array(z.string().trim().toUpperCase().min(1).max(100)).max(50).default([]),
    idcc: z.array(z.string().trim().regex(/^\d{1,5}$/, 'an IDCC number')).max(5000).default([]),
  })
  .strict();
export type DilaFilterSetting = z.infer<typeof dilaFilterSchema>;

const location = z.string().trim().min(1).max(4000);

const settings = {
  /** URLs to start from (website), sitemap URLs (sitemap), zip URLs or server paths (service-public, jsonl, files). */
  start_urls: z.array(location).min(1).max(1000),
  include: z.array(glob).max(200),
  exclude: z.array(glob).max(200),
  /** Link hops from the start URLs. */
  max_depth: z.number().int().min(0).max(100),
  max_pages: z.number().int().min(1).max(10_000_000),
  /** Requests per second to one host (fractions allowed: 0.2 = one request every 5 s). */
  rate_per_host: z.number().positive().max(1000),
  render: z.enum(RENDER_MODES),
  /** Cron expression (UTC), e.g. "0 3 * * *"; null = only on demand. */
  schedule: z.string().trim().max(200).refine(isValidCron, { message: 'invalid cron expression' }).nullable(),
  enabled: z.boolean(),
  /** Mask personal data (names, e-mails, phone numbers…) before indexing. */
  mask_personal_data: z.boolean(),
  dila_filter: dilaFilterSchema,
};

export const sourceCreateSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    kind: z.enum(SOURCE_KINDS),
    /** An existing collection, by id or by name (created when missing). One of the two is required. */
    collection_id: z.number().int().positive().optional(),
    collection: z.string().trim().min(1).max(200).optional(),
    start_urls: settings.start_urls,
    include: settings.include.default(SOURCE_DEFAULTS.include),
    exclude: settings.exclude.default(SOURCE_DEFAULTS.exclude),
    max_depth: settings.max_depth.default(SOURCE_DEFAULTS.max_depth),
    max_pages: settings.max_pages.default(SOURCE_DEFAULTS.max_pages),
    rate_per_host: settings.rate_per_host.default(SOURCE_DEFAULTS.rate_per_host),
    render: settings.render.default(SOURCE_DEFAULTS.render),
    schedule: settings.schedule.default(null),
    enabled: settings.enabled.default(SOURCE_DEFAULTS.enabled),
    mask_personal_data: settings.mask_personal_data.default(SOURCE_DEFAULTS.mask_personal_data),
    dila_filter: settings.dila_filter.optional(),
  })
  .strict()
  .refine((s) => s.collection_id !== undefined || s.collection !== undefined, {
    message: 'collection_id or collection is required',
    path: ['collection'],
  });
export type SourceCreate = z.infer<typeof sourceCreateSchema>;

/** PUT accepts the whole record as the console sends it back; read-only fields are ignored. */
export const sourceUpdateSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    collection_id: z.number().int().positive().optional(),
    collection: z.string().trim().min(1).max(200).optional(),
    start_urls: settings.start_urls.optional(),
    include: settings.include.optional(),
    exclude: settings.exclude.optional(),
    max_depth: settings.max_depth.optional(),
    max_pages: settings.max_pages.optional(),
    rate_per_host: settings.rate_per_host.optional(),
    render: settings.render.optional(),
    schedule: settings.schedule.optional(),
    enabled: settings.enabled.optional(),
    mask_personal_data: settings.mask_personal_data.optional(),
    dila_filter: settings.dila_filter.optional(),
    // read-only, tolerated so react-admin can PUT the record it got
    id: z.unknown().optional(),
    kind: z.enum(SOURCE_KINDS).optional(),
    status: z.unknown().optional(),
    last_run: z.unknown().optional(),
    next_run_at: z.unknown().optional(),
    documents_removed: z.unknown().optional(),
    created_at: z.unknown().optional(),
    updated_at: z.unknown().optional(),
  })
  .strict();
export type SourceUpdate = z.infer<typeof sourceUpdateSchema>;

/** What a crawl reads from sources.config (and snapshots in crawl_runs.config). */
export interface SourceConfig {
  start_urls: string[];
  include: string[];
  exclude: string[];
  max_depth: number;
  max_pages: number;
  rate_per_host: number;
  render: RenderMode;
  mask_personal_data: boolean;
  /** `dila` sources only. */
  dila_filter?: DilaFilterSetting;
}

export const lastRunSchema = z.object({
  id: z.number(),
  status: z.string(),
  trigger: z.string(),
  indexed: z.number(),
  failed: z.number(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});

export const sourceRecordSchema = z.object({
  id: z.number(),
  collection_id: z.number(),
  collection: z.string(),
  name: z.string(),
  kind: z.enum(SOURCE_KINDS),
  start_urls: z.array(z.string()),
  include: z.array(z.string()),
  exclude: z.array(z.string()),
  max_depth: z.number(),
  max_pages: z.number(),
  rate_per_host: z.number(),
  render: z.enum(RENDER_MODES),
  schedule: z.string().nullable(),
  enabled: z.boolean(),
  mask_personal_data: z.boolean(),
  dila_filter: dilaFilterSchema.optional(),
  status: z.enum(SOURCE_STATUSES),
  last_run: lastRunSchema.nullable(),
  next_run_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type SourceRecord = z.infer<typeof sourceRecordSchema>;

export const sourceFilterSchema = z
  .object({
    id: z.union([z.coerce.number().int(), z.array(z.coerce.number().int()).max(500)]).optional(),
    q: z.string().max(200).optional(),
    kind: z.enum(SOURCE_KINDS).optional(),
    status: z.enum(SOURCE_STATUSES).optional(),
    collection_id: z.coerce.number().int().optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
export type SourceFilter = z.infer<typeof sourceFilterSchema>;
export const SOURCE_SORTABLE = ['id', 'name', 'kind', 'status', 'created_at', 'updated_at'] as const;
