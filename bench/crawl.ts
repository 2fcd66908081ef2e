/**
 * Crawl benchmark: `npm run bench:crawl -- [--pages 2000] [--pdfs 40] [--concurrency 8] [--server postgres://…]
 * [--targets server,embedded] [--repeat N] [--corpus FILE]`
 *
 * Serves a generated French site (HTML pages linking to each other, plus PDFs) on loopback, then
 * crawls it with each crawler in its own child process, so that peak RSS is its own:
 * - crawlee's CheerioCrawler: fetch + parse + enqueue links, storage not persisted;
 * - Cité on each target database: the full pipeline (robots, frontier in the database, fetch, extract,
 *   chunk, hash embeddings, index), on a fresh database of the PostgreSQL server (--server, else
 *   DATABASE_URL) and on the embedded database in a temporary DATA_DIR. Its time ends when the run has
 *   finished, every page written and searchable; the vectors and postings it left in the backlogs are then
 *   indexed by the idle worker, and the time until the HNSW index holds them all is printed too.
 * The pages' sentences are drawn from a vocabulary of ~70 words. With `--corpus FILE` (a JSONL(.gz) file
 * of the bench format, e.g. the Code du travail), each page's paragraphs are the file's sentences in order
 * instead, as many words as the generated page's: the same pages and links, with the vocabulary of real
 * text, which is what writing BM25 statistics costs (a page of real text holds hundreds of lexemes that
 * few other pages share). Its words are longer: the Code du travail gives 7,446 chunks against 6,083.
 * Cité's child runs with the node flags of the `cite` command (cli/node-flags.ts), as users run it.
 * Targets default to both databases when a server is given, else the embedded one. Same concurrency for
 * all. Prints pages/s, the machine's CPU time per page and peak RSS (VmHWM) of each run; `--repeat N`
 * alternates them N times and prints the medians; then each Cité target against crawlee.
 *
 * One run's peak RSS is not a measurement of a change: about half of it is the main V8 heap, which grows
 * to ~4× what survived its last full collection (~25 MB here) before collecting again, and whether the
 * 2,000-page crawl ends just before or after that collection moves the peak by 50 MB or more. Runs of the
 * same code on the same machine gave Cité on the server database 230 to 303 MB and crawlee 315 to 352 MB
 * (a bisection on single runs blamed an unrelated commit): compare medians of --repeat 3 or more.
 * BENCH_NODE_FLAGS (e.g. --trace-gc) is passed to each child and the child's own output is copied to
 * stderr, to see when its collections happen. BENCH_DB_STATS=1 prints the statements Cité sent and how long
 * each kept it waiting; PGLITE_STATS=1 (embedded) the database thread's own time per statement, the crawl's
 * apart from the backlog's indexing after it.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { citeNodeFlags } from '@cite/app/cli/node-flags.js';
import { jsonlTexts, splitSentences } from './corpus-text.js';
import { machineCpuSeconds, median } from './lib.js';

type Target = 'server' | 'embedded';

interface Args {
  pages: number;
  pdfs: number;
  concurrency: number;
  /** The PostgreSQL server (a fresh database is created on it per run); in a child, set when it crawls on it. */
  server?: string;
  targets: Target[];
  child?: 'cite' | 'crawlee';
  site?: string;
  only?: 'cite' | 'crawlee';
  repeat: number;
  corpus?: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { pages: 2000, pdfs: 40, concurrency: 8, repeat: 1, targets: [] };
  let targets: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    if (k === '--pages') { a.pages = Number(v); i++; }
    else if (k === '--pdfs') { a.pdfs = Number(v); i++; }
    else if (k === '--concurrency') { a.concurrency = Number(v); i++; }
    else if (k === '--server') { a.server = v; i++; }
    else if (k === '--child') { a.child = v as Args['child']; i++; }
    else if (k === '--site') { a.site = v; i++; }
    else if (k === '--only') { a.only = v as Args['only']; i++; }
    else if (k === '--repeat') { a.repeat = Math.max(1, Number(v)); i++; }
    else if (k === '--corpus') { a.corpus = v; i++; }
    else if (k === '--targets') { targets = v; i++; }
  }
  if (a.child) return a;
  a.server ??= process.env.DATABASE_URL || undefined;
  a.targets = (targets?.split(',').map((t) => t.trim()) ?? (a.server ? ['server', 'embedded'] : ['embedded'])) as Target[];
  for (const t of a.targets) if (t !== 'server' && t !== 'embedded') throw new Error(`--targets: unknown target ${t} (server, embedded)`);
  if (a.targets.includes('server') && !a.server) throw new Error('the server target needs --server postgres://… or DATABASE_URL');
  return a;
}

/** Peak resident set size of this process (kernel's high-water mark). */
function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

// ---------------------------------------------------------------- the generated site

const WORDS = (
  'droit travail salarié employeur contrat congé payé indemnité licenciement durée période essai ' +
  'démarche administration préfecture mairie certificat attestation allocation logement aide famille ' +
  'enfant retraite pension impôt revenu déclaration formulaire justificatif délai recours tribunal ' +
  'prud’hommes convention collective accord entreprise rupture conventionnelle préavis démission ' +
  'chômage inscription France Travail formation apprentissage stage handicap maladie arrêt sécurité sociale'
).split(/\s+/);

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function sentence(r: () => number): string {
  const n = 8 + Math.floor(r() * 12);
  const w = Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)]!);
  return `${w[0]!.charAt(0).toUpperCase()}${w.join(' ').slice(1)}.`;
}

function pagesLinks(i: number, total: number, r: () => number): number[] {
  const links = new Set<number>();
  for (const c of [2 * i + 1, 2 * i + 2, 3 * i + 3]) if (c < total) links.add(c);
  for (let k = 0; k < 6; k++) links.add(Math.floor(r() * total));
  links.delete(i);
  return [...links];
}

/** The sentences of a bench-format JSONL(.gz) file, in order. */
function corpusSentences(file: string): string[] {
  const out: string[] = [];
  for (const text of jsonlTexts(file)) for (const s of splitSentences(text)) if (s.length > 20) out.push(s.trim());
  if (out.length === 0) throw new Error(`--corpus ${file}: no sentences found`);
  return out;
}

const escapeHtml = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Set by --corpus: pages take their sentences from here, in order, instead of the vocabulary. */
let corpus: string[] | null = null;

/** Page i's paragraphs: 6 of 4 generated sentences, or real sentences of as many words in all (see --corpus). */
function pageParagraphs(i: number, r: () => number): string[] {
  const generated = Array.from({ length: 6 }, () => Array.from({ length: 4 }, () => sentence(r)).join(' '));
  if (!corpus) return generated;
  const words = (t: string) => t.split(' ').length;
  const length = generated.reduce((n, p) => n + words(p), 0);
  // each page starts at its own place in the text, 37 sentences after the previous page's (a page takes
  // fewer: real sentences are longer than generated ones)
  let k = (i * 37) % corpus.length;
  const paras: string[] = [];
  for (let taken = 0; taken < length; ) {
    const p = corpus.slice(k, k + 4).join(' ');
    k = (k + 4) % corpus.length;
    paras.push(p);
    taken += words(p);
  }
  return paras;
}

function htmlPage(i: number, total: number, pdfs: number): string {
  const r = rng(i + 1);
  const paras = pageParagraphs(i, r).map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  const links = pagesLinks(i, total, r).map((n) => `<li><a href="/p/${n}">Fiche ${n}</a></li>`);
  if (pdfs > 0 && i % Math.max(1, Math.floor(total / pdfs)) === 0) links.push(`<li><a href="/pdf/${i}.pdf">Guide ${i} (PDF)</a></li>`);
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Fiche pratique ${i}</title></head>
<body><header><nav><a href="/">Accueil</a></nav></header><main><h1>Fiche pratique ${i}</h1>
<h2>Ce qu'il faut savoir</h2>${paras}<h2>Voir aussi</h2><ul>${links.join('')}</ul></main><footer>Site de test</footer></body></html>`;
}

function pdfFile(i: number): Buffer {
  const r = rng(1_000_000 + i);
  const lines = Array.from({ length: 30 }, () => sentence(r).replace(/[()\\’]/g, ' ').normalize('NFD').replace(/[\u0300-\u036f]/g, ''));
  const content = `BT /F1 11 Tf 50 780 Td 14 TL ${lines.map((l) => `(${l}) '`).join(' ')} ET`;
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objs.forEach((o, k) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${k + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

async function serveSite(pages: number, pdfs: number): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    if (p === '/robots.txt') return res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nAllow: /\n');
    if (p === '/') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(htmlPage(0, pages, pdfs));
    let m = /^\/p\/(\d+)$/.exec(p);
    if (m && Number(m[1]) < pages) return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(htmlPage(Number(m[1]), pages, pdfs));
    m = /^\/pdf\/(\d+)\.pdf$/.exec(p);
    if (m) return res.writeHead(200, { 'content-type': 'application/pdf' }).end(pdfFile(Number(m[1])));
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

// ---------------------------------------------------------------- the two crawlers (child side)

async function crawlWithCite(a: Args): Promise<Record<string, unknown>> {
  const { loadConfig } = await import('@cite/core/config/config.js');
  const { migrate } = await import('@cite/core/db/migrations.js');
  const { HashEmbedder } = await import('@cite/core/embeddings/hash-embedder.js');
  const { createSource, startCrawl } = await import('@cite/ingestion/sources/source-service.js');
  const { startWorker } = await import('@cite/ingestion/worker/worker.js');
  const { getRunDetail } = await import('@cite/ingestion/runs/run-repo.js');
  const pino = (await import('pino')).default;

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-bench-crawl-'));
  let db;
  let dropServer = async () => {};
  if (a.server) {
    const { freshServerDatabase } = await import('./lib.js');
    const name = `cite_bench_crawl_${crypto.randomBytes(3).toString('hex')}`;
    const url = await freshServerDatabase(a.server, name);
    const { openServerDatabase } = await import('@cite/core/db/server-database.js');
    db = await openServerDatabase(url, a.concurrency + 4);
    dropServer = async () => {
      const pg = (await import('pg')).default;
      const c = new pg.Client({ connectionString: a.server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  } else {
    const { openEmbeddedDatabase } = await import('@cite/core/db/embedded-database.js');
    db = await openEmbeddedDatabase(dataDir);
  }
  await migrate(db);
  const stats = process.env.BENCH_DB_STATS ? instrument(db) : null;
  const config = loadConfig({
    DATA_DIR: dataDir,
    CRAWLER_ALLOW_PRIVATE_NETWORKS: 'true',
    CRAWLER_CONCURRENCY: String(a.concurrency),
    CRAWLER_PER_HOST_CONCURRENCY: String(Math.min(16, a.concurrency)),
    EMBEDDINGS: 'hash',
    LOG_LEVEL: 'warn',
    CRAWLER_VECTOR_BACKLOG_MAX: process.env.CRAWLER_VECTOR_BACKLOG_MAX,
    CRAWLER_POSTINGS_BACKLOG_MAX: process.env.CRAWLER_POSTINGS_BACKLOG_MAX,
    HEAP_GROWTH_PERCENT: process.env.HEAP_GROWTH_PERCENT,
  });
  // as every `cite` command does (cli-context.ts); crawlee runs under V8's own policy, as its users run it
  const { applyHeapGrowth } = await import('@cite/core/system/heap-growth.js');
  applyHeapGrowth(config.HEAP_GROWTH_PERCENT);
  const source = await createSource(db, {
    name: 'bench',
    kind: 'website',
    collection: 'bench',
    start_urls: [`${a.site}/`],
    max_pages: 1_000_000,
    max_depth: 100,
    rate_per_host: 1000,
    render: 'never',
  });
  // PGLITE_STATS: the database thread's counts start again with the crawl
  if (process.env.PGLITE_STATS && !a.server) await db.query(`SELECT 'pglite_stats_mark: opening, migrations'`);
  const started = performance.now();
  const machineAtStart = machineCpuSeconds();
  const memTimer = process.env.BENCH_MEM
    ? setInterval(() => {
        const m = process.memoryUsage();
        const mb = (n: number) => (n / 1048576).toFixed(0);
        process.stderr.write(`mem rss ${mb(m.rss)} heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} external ${mb(m.external)} buffers ${mb(m.arrayBuffers)}\n`);
      }, 1000)
    : undefined;
  const runId = await startCrawl(db, source.id, 'manual');
  const worker = await startWorker({
    db,
    config,
    embedder: new HashEmbedder(),
    log: pino({ level: 'warn' }),
    options: { pollMs: 20, scheduler: false, ...(process.env.BENCH_COMMITS ? { commitConcurrency: Number(process.env.BENCH_COMMITS) } : {}) },
  });
  // a light poll: the run's full detail (counts by reason, errors) is read once, at the end
  for (;;) {
    const { rows } = await db.query<{ status: string }>('SELECT status FROM crawl_runs WHERE id = $1', [runId]);
    if (rows[0]?.status !== 'queued' && rows[0]?.status !== 'running') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  const machineCpu = machineCpuSeconds() - machineAtStart;
  // PGLITE_STATS: the crawl's statements, apart from the backlog's indexing after it
  if (process.env.PGLITE_STATS && !a.server) await db.query(`SELECT 'pglite_stats_mark: the crawl'`);
  // The crawl is done and every page searchable; vectors and postings left in the backlogs are indexed by
  // the idle worker: how long that takes is reported too.
  const { backlogSizes } = await import('@cite/index/documents-repo.js');
  const waiting = async () => Object.values(await backlogSizes(db)).reduce((a, b) => Math.max(a, b), 0);
  const backlog = await waiting();
  while ((await waiting()) > 0) await new Promise((r) => setTimeout(r, 100));
  const indexedAfter = (performance.now() - started) / 1000;
  const machineCpuIndexed = machineCpuSeconds() - machineAtStart;
  clearInterval(memTimer);
  await worker.stop();
  const run = await getRunDetail(db, runId, 10);
  const chunks = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM chunks');
  await db.close();
  await dropServer();
  fs.rmSync(dataDir, { recursive: true, force: true });
  const pages = run.fetched - 0;
  if (stats) process.stderr.write(stats.report(pages));
  const cpu = process.cpuUsage();
  return {
    crawler: `Cité (${a.server ? 'server' : 'embedded'} database, full pipeline, hash embedder)`,
    status: run.status,
    pages,
    indexed: run.indexed,
    failed: run.failed,
    chunks: Number(chunks.rows[0]!.n),
    seconds,
    pagesPerSecond: pages / seconds,
    machineCpuMsPerPage: (machineCpu * 1000) / pages,
    vectorBacklog: backlog,
    vectorsIndexedSeconds: indexedAfter,
    machineCpuMsPerPageIndexed: (machineCpuIndexed * 1000) / pages,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssBytes: peakRss(),
  };
}

/**
 * BENCH_DB_STATS=1: counts the statements Cité sends (and the time spent waiting for them), grouped by
 * their first words, to see the round trips a page costs.
 */
function instrument(db: import('@cite/core/db/database.js').Database) {
  const byStatement = new Map<string, { n: number; ms: number }>();
  let lastEnd = 0;
  const count = (sql: string, ms: number) => {
    const key = sql.replace(/\s+/g, ' ').trim().slice(0, 90);
    const e = byStatement.get(key) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += ms;
    byStatement.set(key, e);
  };
  const wrap = <Q extends import('@cite/core/db/database.js').Queryable>(q: Q['query'], self: unknown): Q['query'] =>
    (async (sql: string | import('@cite/core/db/database.js').NamedStatement, params?: readonly unknown[]) => {
      const t = performance.now();
      try {
        return await q.call(self, sql, params);
      } finally {
        // the embedded database runs one statement at a time: from the end of the previous one is its own time
        const end = performance.now();
        count(typeof sql === 'string' ? sql : sql.text, db.mode === 'embedded' ? end - Math.max(t, lastEnd) : end - t);
        lastEnd = end;
      }
    }) as Q['query'];
  const query = db.query;
  const transaction = db.transaction;
  db.query = wrap(query, db);
  db.transaction = async <T>(fn: (tx: import('@cite/core/db/database.js').Queryable) => Promise<T>): Promise<T> => {
    let bodyEnd = 0;
    const out = (await transaction.call(db, async (tx) => {
      try {
        return await fn({ query: wrap(tx.query, tx) });
      } finally {
        bodyEnd = performance.now();
      }
    })) as T;
    // the commit: from the end of the transaction's work to its promise
    const end = performance.now();
    count('COMMIT', end - Math.max(bodyEnd, lastEnd));
    lastEnd = end;
    return out;
  };
  return {
    report(pages: number): string {
      const rows = [...byStatement.entries()].sort((a, b) => b[1].ms - a[1].ms);
      const total = rows.reduce((s, [, e]) => s + e.n, 0);
      return `${total} statements for ${pages} pages (${(total / Math.max(1, pages)).toFixed(1)} per page)\n${rows
        .map(([k, e]) => `${String(e.n).padStart(7)} ${(e.n / Math.max(1, pages)).toFixed(2).padStart(6)}/page ${e.ms.toFixed(0).padStart(8)} ms  ${k}`)
        .join('\n')}\n`;
    },
  };
}

async function crawlWithCrawlee(a: Args): Promise<Record<string, unknown>> {
  const { CheerioCrawler, Configuration, log } = await import('@crawlee/cheerio');
  log.setLevel(log.LEVELS.WARNING);
  const config = new Configuration({ persistStorage: false, purgeOnStart: true });
  let pages = 0;
  let pdfs = 0;
  const crawler = new CheerioCrawler(
    {
      maxConcurrency: a.concurrency,
      minConcurrency: a.concurrency,
      maxRequestRetries: 1,
      additionalMimeTypes: ['application/pdf'],
      async requestHandler({ request, contentType, enqueueLinks, $ }) {
        pages++;
        if (contentType.type === 'application/pdf' || request.url.endsWith('.pdf')) {
          pdfs++;
          return;
        }
        void $('title').text();
        await enqueueLinks({ strategy: 'same-origin' });
      },
    },
    config,
  );
  const started = performance.now();
  const machineAtStart = machineCpuSeconds();
  await crawler.run([`${a.site}/`]);
  const seconds = (performance.now() - started) / 1000;
  const machineCpu = machineCpuSeconds() - machineAtStart;
  const cpu = process.cpuUsage();
  return {
    crawler: 'crawlee CheerioCrawler (fetch + parse + enqueue, no indexing)',
    pages,
    pdfs,
    seconds,
    pagesPerSecond: pages / seconds,
    machineCpuMsPerPage: (machineCpu * 1000) / pages,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssBytes: peakRss(),
  };
}

// ---------------------------------------------------------------- parent

function runChild(kind: 'cite' | 'crawlee', a: Args, site: string, target?: Target): Promise<Record<string, unknown>> {
  const script = fileURLToPath(import.meta.url);
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  // node refuses --trace-gc and similar in NODE_OPTIONS
  const nodeFlags = process.env.BENCH_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? [];
  // Cité's child runs with the node flags of the `cite` command (cli/node-flags.ts), crawlee's with node's own
  const own = kind === 'cite' ? citeNodeFlags() : [];
  const args = [...own, ...nodeFlags, ...prof, '--import', 'tsx', script, '--child', kind, '--site', site, '--concurrency', String(a.concurrency)];
  if (target === 'server') args.push('--server', a.server!);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      const lines = out.trim().split('\n');
      const line = lines.pop() ?? '';
      // what the flags made node print went to the child's stdout, before its result line
      if (nodeFlags.length && lines.length) process.stderr.write(`${lines.join('\n')}\n`);
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(line) as Record<string, unknown>);
      } catch (e) {
        reject(new Error(`${kind} child failed (${(e as Error).message}): ${out.slice(-2000)}`));
      }
    });
  });
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  if (a.child) {
    const result = a.child === 'cite' ? await crawlWithCite(a) : await crawlWithCrawlee(a);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  }
  if (a.corpus) corpus = corpusSentences(a.corpus);
  const site = await serveSite(a.pages, a.pdfs);
  const load = os.loadavg()[0]!.toFixed(1);
  process.stdout.write(
    `Site: ${a.pages} HTML pages + ${a.pdfs} PDFs at ${site.url}${a.corpus ? `, text from ${path.basename(a.corpus)}` : ''}; concurrency ${a.concurrency}; ${os.cpus().length} CPUs, load average ${load} at start\n`,
  );
  const results: Record<string, unknown>[] = [];
  // with --repeat, the crawlers alternate (so that a slow minute of the machine hits all of them) and the
  // medians are printed at the end
  const runs: { kind: 'cite' | 'crawlee'; target?: Target }[] = [
    ...(a.only === 'cite' ? [] : [{ kind: 'crawlee' as const }]),
    ...(a.only === 'crawlee' ? [] : a.targets.map((target) => ({ kind: 'cite' as const, target }))),
  ];
  for (let round = 0; round < a.repeat; round++) {
    for (const { kind, target } of runs) {
      const before = site.hits();
      const r = await runChild(kind, a, site.url, target);
      r.requests = site.hits() - before;
      results.push(r);
      const mbs = (Number(r.peakRssBytes) / 1024 / 1024).toFixed(0);
      process.stdout.write(
        `${String(r.crawler).padEnd(72)} ${String(r.pages).padStart(5)} pages in ${Number(r.seconds).toFixed(1)} s = ${Number(r.pagesPerSecond).toFixed(1)} pages/s, machine CPU ${Number(r.machineCpuMsPerPage).toFixed(2)} ms/page, own CPU ${Number(r.cpuSeconds).toFixed(0)} s, peak RSS ${mbs} MB${r.chunks !== undefined ? `, ${r.indexed} documents / ${r.chunks} chunks indexed` : ''}\n`,
      );
      if (r.vectorBacklog !== undefined)
        process.stdout.write(
          `${''.padEnd(72)} ${r.vectorBacklog} chunks were left in a backlog (searched exactly); all in the HNSW index and postings after ${Number(r.vectorsIndexedSeconds).toFixed(1)} s (machine CPU ${Number(r.machineCpuMsPerPageIndexed).toFixed(2)} ms/page with it)\n`,
        );
    }
  }
  const summary = new Map<string, { pagesPerSecond: number; peakRssBytes: number }>();
  for (const name of [...new Set(results.map((r) => String(r.crawler)))]) {
    const rs = results.filter((r) => r.crawler === name);
    const pick = (k: string) => median(rs.map((r) => Number(r[k])));
    summary.set(name, { pagesPerSecond: pick('pagesPerSecond'), peakRssBytes: pick('peakRssBytes') });
    if (a.repeat > 1)
      process.stdout.write(
        `median of ${rs.length}: ${name.padEnd(60)} ${pick('pagesPerSecond').toFixed(1)} pages/s, machine CPU ${pick('machineCpuMsPerPage').toFixed(2)} ms/page, peak RSS ${(pick('peakRssBytes') / 1048576).toFixed(0)} MB\n`,
      );
  }
  // the targets against crawlee, pages/s at least and peak RSS at most: on the server database as fast with
  // 0.8× the memory (issue 18), on the embedded one (WebAssembly) 0.8× as fast with 1.2× the memory (issue 25)
  const targets = { server: { speed: 1, memory: 0.8 }, embedded: { speed: 0.8, memory: 1.2 } };
  const crawlee = [...summary].find(([name]) => name.startsWith('crawlee'))?.[1];
  for (const [name, c] of summary) {
    if (!crawlee || !name.startsWith('Cité')) continue;
    const target = name.includes('embedded') ? targets.embedded : targets.server;
    const speed = c.pagesPerSecond / crawlee.pagesPerSecond;
    const memory = c.peakRssBytes / crawlee.peakRssBytes;
    const mark = (ok: boolean) => (ok ? '✔' : '✘');
    process.stdout.write(
      `${name.replace(/, full pipeline.*$/, ')')} against crawlee: ${speed.toFixed(2)}× the pages/s ${mark(speed >= target.speed)} (target ≥ ${target.speed}×), ` +
        `${memory.toFixed(2)}× the peak RSS ${mark(memory <= target.memory)} (target ≤ ${target.memory}×)\n`,
    );
  }
  process.stdout.write(`load average ${os.loadavg()[0]!.toFixed(1)} at end\n`);
  process.stdout.write(`${JSON.stringify(results)}\n`);
  await site.close();
}

await main();
