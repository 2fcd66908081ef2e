/**
 * `cite crawl <url> [--collection] [--max-pages] [--max-depth] [--include] [--exclude] [--render] …`:
 * creates (or reuses) the source and runs the crawl in the foreground: progress bar on a terminal,
 * plain progress lines otherwise, a summary at the end (`--json` for machines). When a running engine
 * holds the embedded database, the crawl is queued through its API and followed from there.
 */
import os from 'node:os';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { getRunDetail, type CrawlRunDetail } from '@cite/ingestion/runs/run-repo.js';
import { createSource, startOrResumeCrawl, updateSource } from '@cite/ingestion/sources/source-service.js';
import type { SourceRecord } from '@cite/ingestion/sources/source-schema.js';
import { startWorker } from '@cite/ingestion/worker/worker.js';
import { staleCrawlMs, workerOptions } from '@cite/ingestion/worker/worker-options.js';
import type { Database } from '@cite/core/db/database.js';
import { createEmbedder } from '@cite/core/embeddings/create-embedder.js';
import { CiteError, isCiteError } from '@cite/core/errors.js';
import { callEngine, cliConfig, remoteEngine, withDatabase } from '../cli-context.js';
import { crawlRunShape, sourceShape } from '../engine-answer-shapes.js';
import { terminalLine } from '../terminal-text.js';
import { cliLogger } from './ingest.js';

interface CrawlOptions {
  collection: string;
  name?: string;
  kind?: string;
  maxPages?: string;
  maxDepth?: string;
  include: string[];
  exclude: string[];
  render?: string;
  rate?: string;
  schedule?: string;
  json?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function intOption(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new CiteError('INVALID_OPTION', `--${name} takes a whole number`, { status: 400 });
  return n;
}

/** A sitemap URL crawls as a sitemap source, anything else as a website. */
export function guessKind(url: string): 'website' | 'sitemap' {
  try {
    const p = new URL(url).pathname.toLowerCase();
    return /sitemap[^/]*\.(xml|txt)(\.gz)?$/.test(p) || /\.xml\.gz$/.test(p) ? 'sitemap' : 'website';
  } catch {
    return 'website';
  }
}

export function register(program: Command): void {
  program
    .command('crawl')
    .description('Crawl a web site (or a sitemap) into a collection, in the foreground')
    .argument('<url>', 'start URL, or a sitemap URL')
    .option('--collection <name>', 'collection (created when missing)', 'default')
    .option('--name <name>', 'source name (default: the URL)')
    .option('--kind <kind>', 'website or sitemap (default: guessed from the URL)')
    .option('--max-pages <n>', 'most pages to fetch')
    .option('--max-depth <n>', 'most link hops from the start URL')
    .option('--include <glob>', 'only URLs matching this glob (repeatable)', collect, [])
    .option('--exclude <glob>', 'never URLs matching this glob (repeatable)', collect, [])
    .option('--render <mode>', 'JavaScript rendering: never, auto or always')
    .option('--rate <n>', 'requests per second per host')
    .option('--schedule <cron>', 'also recrawl on this cron schedule (UTC)')
    .option('--json', 'print the run summary as JSON')
    .action(async (url: string, opts: CrawlOptions) => {
      const run = await runCrawl(url, opts);
      printSummary(run, !!opts.json);
      if (run.status === 'failed') process.exitCode = 1;
    });
}

function sourceInput(url: string, opts: CrawlOptions): Record<string, unknown> {
  const input: Record<string, unknown> = {
    name: opts.name ?? url,
    kind: opts.kind ?? guessKind(url),
    collection: opts.collection,
    start_urls: [url],
  };
  const maxPages = intOption('max-pages', opts.maxPages);
  const maxDepth = intOption('max-depth', opts.maxDepth);
  if (maxPages !== undefined) input.max_pages = maxPages;
  if (maxDepth !== undefined) input.max_depth = maxDepth;
  if (opts.include.length) input.include = opts.include;
  if (opts.exclude.length) input.exclude = opts.exclude;
  if (opts.render) input.render = opts.render;
  if (opts.rate !== undefined) input.rate_per_host = Number(opts.rate);
  if (opts.schedule) input.schedule = opts.schedule;
  return input;
}

/** The source crawling this URL into this collection, if one exists: a second `cite crawl` recrawls it. */
async function existingSource(db: Database, url: string, collection: string, kind: string): Promise<number | null> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT s.id FROM sources s JOIN collections c ON c.id = s.collection_id
      WHERE c.name = $1 AND s.kind = $2 AND s.deleted_at IS NULL AND s.config->'start_urls' = $3::jsonb
      ORDER BY s.id LIMIT 1`,
    [collection, kind, JSON.stringify([url])],
  );
  return rows[0] ? Number(rows[0].id) : null;
}

export async function runCrawl(url: string, opts: CrawlOptions): Promise<CrawlRunDetail> {
  const cfg = cliConfig();
  const input = sourceInput(url, opts);
  const progress = progressReporter(!!opts.json);
  const engine = !cfg.DATABASE_URL ? remoteEngine(cfg) : undefined;
  if (engine) {
    const source = await callEngine<SourceRecord>(engine, 'POST', '/admin/api/sources', input, { shape: sourceShape });
    const followed = { shape: crawlRunShape };
    const crawl = `/admin/api/sources/${source.id}/crawl`;
    let run = await callEngine<CrawlRunDetail>(engine, 'POST', crawl, undefined, followed);
    while (run.status === 'queued' || run.status === 'running') {
      progress.update(run);
      await new Promise((r) => setTimeout(r, 500));
      run = await callEngine<CrawlRunDetail>(engine, 'GET', `/admin/api/crawl-runs/${run.id}`, undefined, followed);
    }
    progress.stop(run);
    return run;
  }
  const log = cliLogger(cfg, 'crawl');
  return withDatabase(async (db) => {
    const existing = await existingSource(db, url, opts.collection, String(input.kind));
    const { kind: _kind, ...updatable } = input;
    const source = existing ? await updateSource(db, existing, { ...updatable, enabled: true }) : await createSource(db, input);
    // a crawl of this source left running by a `cite crawl` killed -9 is resumed, not refused
    const workerId = `${os.hostname()}:${process.pid}:cli`;
    // the embedded database is held by this process alone: a crawl found running was left by a dead one
    const staleMs = db.mode === 'embedded' ? 0 : staleCrawlMs(workerOptions(db, cfg));
    const { runId, resumed } = await startOrResumeCrawl(db, source.id, 'cli', 'cli', { staleMs, workerId });
    if (resumed) log.warn({ runId }, 'crawl run left by a stopped process resumed');
    const embedder = await createEmbedder(cfg, log);
    // this run only: `cite crawl X` crawls X, and leaves other sources' runs to the engine's workers
    const worker = await startWorker({ db, config: cfg, log, embedder, options: { scheduler: false, onlyRun: runId, workerId } });
    try {
      for (;;) {
        const run = await runDetail(db, runId, log);
        if (run && run.status !== 'queued' && run.status !== 'running') {
          progress.stop(run);
          return run;
        }
        if (run) progress.update(run);
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      await worker.stop();
      await embedder.close?.();
    }
  }, { bulkWrites: true });
}

/**
 * The run's progress, or undefined when the database was too busy to say (the crawl's own writes hold it:
 * DATABASE_BUSY, or any retryable error): the crawl goes on and the next poll asks again.
 */
async function runDetail(db: Database, runId: number, log: Logger): Promise<CrawlRunDetail | undefined> {
  try {
    return await getRunDetail(db, runId, 50);
  } catch (e) {
    if (!isCiteError(e) || !e.retryable) throw e;
    log.debug({ err: e }, 'crawl progress not read this time');
    return undefined;
  }
}

function progressReporter(quiet: boolean) {
  const tty = Boolean(process.stderr.isTTY) && !quiet;
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: 'crawl {bar} {value}/{total} URLs | indexed {indexed} | unchanged {unchanged} | failed {failed}', stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
  let lastLine = 0;
  return {
    update(run: CrawlRunDetail) {
      if (run.status === 'queued') return;
      const done = Math.max(0, run.discovered - run.pending - run.in_progress);
      const payload = { indexed: run.indexed, unchanged: run.unchanged, failed: run.failed };
      if (bar) {
        if (!started) bar.start(Math.max(run.discovered, 1), 0, payload);
        started = true;
        bar.setTotal(Math.max(run.discovered, 1));
        bar.update(Math.max(0, done), payload);
      } else if (!quiet && Date.now() - lastLine > 2000) {
        lastLine = Date.now();
        process.stderr.write(`crawl: ${done}/${run.discovered} URLs, indexed ${run.indexed}, unchanged ${run.unchanged}, failed ${run.failed}\n`);
      }
    },
    stop(run: CrawlRunDetail) {
      if (bar && started) {
        bar.update(Math.max(run.discovered, 1) , { indexed: run.indexed, unchanged: run.unchanged, failed: run.failed });
        bar.stop();
      }
    },
  };
}

function printSummary(run: CrawlRunDetail, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(run)}\n`);
    return;
  }
  const reasons = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const lines = [
    `Crawl run ${run.id} ${run.status} in ${((run.duration_ms ?? 0) / 1000).toFixed(1)} s`,
    `  discovered ${run.discovered}, fetched ${run.fetched}, indexed ${run.indexed}, unchanged ${run.unchanged}, deleted ${run.deleted}`,
    `  skipped ${run.skipped}${run.skipped ? ` (${reasons(run.skip_reasons)})` : ''}`,
    `  failed ${run.failed}${run.failed ? ` (${reasons(run.fail_reasons)})` : ''}`,
  ];
  // URLs and messages come from the crawled site: printed as text, never as terminal controls
  for (const f of run.failed_urls.slice(0, 20)) {
    lines.push(`    ${f.reason}\t${terminalLine(f.url)}${f.message ? `\t${terminalLine(f.message)}` : ''}`);
  }
  if (run.error) lines.push(`  error: ${terminalLine(run.error)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
