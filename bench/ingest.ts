/**
 * Ingestion benchmark: `npm run bench:ingest -- <paths…> [--server postgres://…] [--keep] [--collection NAME]`
 *
 * Indexes the given files, directories, zips and JSONL into a fresh database — embedded PGlite in a
 * temporary DATA_DIR by default, or a new throw-away database on the PostgreSQL server given with
 * --server — with the embedder configured by EMBEDDINGS (default hash). Inputs are grouped by kind
 * (zips together, so that service-public fiches shared by several audience zips merge; JSONL; other
 * files) and each group is timed: documents/s, chunks/s, peak RSS while it ran, documents per format.
 *
 * `--through-engine [--rounds N]`: compares a direct ingest with one through a running engine instead
 * (bench/ingest-through-engine.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import { openEmbeddedDatabase } from '@cite/core/db/embedded-database.js';
import { migrate } from '@cite/core/db/migrations.js';
import { openServerDatabase } from '@cite/core/db/server-database.js';
import { createEmbedder } from '@cite/core/embeddings/create-embedder.js';
import { extractOptionsFromConfig, extractSources, type ExtractOutcome } from '@cite/ingestion/extractors/extract.js';
import { indexDocuments } from '@cite/ingestion/ingest/index-documents.js';
import { collectionByName, filesSource } from '@cite/ingestion/ingest/ingest-run.js';
import { benchThroughEngine } from './ingest-through-engine.js';

interface Args {
  paths: string[];
  server?: string;
  keep: boolean;
  collection: string;
  throughEngine: boolean;
  rounds: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { paths: [], keep: false, collection: 'bench', throughEngine: false, rounds: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--server') args.server = argv[++i];
    else if (a === '--keep') args.keep = true;
    else if (a === '--collection') args.collection = argv[++i]!;
    else if (a === '--through-engine') args.throughEngine = true;
    else if (a === '--rounds') args.rounds = Math.max(1, Number(argv[++i]) || 1);
    else args.paths.push(a);
  }
  if (args.paths.length === 0) {
    process.stderr.write('usage: npm run bench:ingest -- <paths…> [--server postgres://user@host:5432/postgres] [--keep] [--through-engine [--rounds N]]\n');
    process.exit(2);
  }
  return args;
}

function listInputs(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    const st = fs.statSync(p);
    if (st.isDirectory()) out.push(...listInputs(fs.readdirSync(p).sort().map((f) => path.join(p, f))));
    else out.push(path.resolve(p));
  }
  return out;
}

function groupOf(file: string): string {
  if (/\.zip$/i.test(file)) return 'zip';
  if (/\.jsonl(\.gz)?$/i.test(file)) return 'jsonl';
  return 'files';
}

async function openFresh(args: Args): Promise<{ db: Database; where: string; dispose: () => Promise<void> }> {
  if (args.server) {
    const name = `cite_bench_${crypto.randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: args.server });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(args.server);
    u.pathname = `/${name}`;
    const db = await openServerDatabase(u.toString(), 8);
    return {
      db,
      where: `PostgreSQL server, fresh database ${name}`,
      dispose: async () => {
        await db.close();
        if (args.keep) return;
        const c = new pg.Client({ connectionString: args.server });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-bench-'));
  const db = await openEmbeddedDatabase(dir);
  return {
    db,
    where: `embedded PGlite in ${dir}`,
    dispose: async () => {
      await db.close();
      if (!args.keep) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** utime + stime of a local process from /proc (0 when not readable, e.g. a remote server). */
function procCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.throughEngine) return benchThroughEngine(args);
  const cfg = loadConfig();
  const embedder = await createEmbedder(cfg);
  const { db, where, dispose } = await openFresh(args);
  const mb = (n: number) => Math.round(n / 1024 / 1024);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  sampler.unref();
  // pool connections come and go: sample their CPU time while they live
  const backendCpu = new Map<number, number>();
  const sampleBackends = async () => {
    const { rows } = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
    for (const r of rows) backendCpu.set(Number(r.pid), Math.max(backendCpu.get(Number(r.pid)) ?? 0, procCpuSeconds(Number(r.pid))));
  };
  const backendSampler = db.mode === 'server' ? setInterval(() => void sampleBackends().catch(() => {}), 1000) : undefined;
  backendSampler?.unref();
  try {
    await migrate(db);
    const collectionId = await collectionByName(db, args.collection);
    const sourceId = await filesSource(db, collectionId, 'bench');
    const inputs = listInputs(args.paths);
    const groups = new Map<string, string[]>();
    for (const f of inputs) groups.set(groupOf(f), [...(groups.get(groupOf(f)) ?? []), f]);

    process.stdout.write(`bench:ingest — ${where}; embedder ${embedder.id} (${embedder.dimension} dims); ` +
      `chunks of ${cfg.CHUNK_TOKENS} tokens, overlap ${cfg.CHUNK_OVERLAP_TOKENS}; ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
    const rows: string[][] = [];
    const total = { docs: 0, chunks: 0, failed: 0, ms: 0 };
    for (const [group, files] of groups) {
      peak = process.memoryUsage().rss;
      const formats: Record<string, number> = {};
      const counted = async function* (): AsyncGenerator<ExtractOutcome> {
        for await (const o of extractSources(files.map((p) => ({ path: p })), extractOptionsFromConfig(cfg))) {
          if (o.ok) formats[o.document.format] = (formats[o.document.format] ?? 0) + 1;
          yield o;
        }
      };
      let last = 0;
      const s = await indexDocuments(db, embedder, { collectionId, sourceId }, counted(), (p) => {
        if (p.documents - last >= 2000) {
          last = p.documents;
          process.stderr.write(`  ${group}: ${p.documents} documents, ${p.chunks} chunks, rss ${mb(process.memoryUsage().rss)} MB\n`);
        }
      }, { chunkTokens: cfg.CHUNK_TOKENS, overlapTokens: cfg.CHUNK_OVERLAP_TOKENS });
      const docs = s.new + s.changed + s.unchanged;
      const secs = s.ms / 1000;
      rows.push([
        group,
        Object.entries(formats).map(([f, n]) => `${f}:${n}`).join(' '),
        String(docs),
        String(s.failed),
        String(s.chunks),
        secs.toFixed(1),
        (docs / secs).toFixed(1),
        (s.chunks / secs).toFixed(1),
        String(mb(peak)),
      ]);
      // each group's figures as soon as it ends: a long run interrupted still reports something
      process.stderr.write(`  ${group} done: ${docs} documents, ${s.chunks} chunks in ${secs.toFixed(1)} s (${(docs / secs).toFixed(1)} docs/s, ${(s.chunks / secs).toFixed(1)} chunks/s), peak RSS ${mb(peak)} MB, CPU so far ${(((u) => u.user + u.system)(process.cpuUsage()) / 1e6).toFixed(1)} s\n`);
      total.docs += docs;
      total.chunks += s.chunks;
      total.failed += s.failed;
      total.ms += s.ms;
      if (s.errors.length) {
        process.stderr.write(`  ${group}: failures ${JSON.stringify(s.failedByCode)} (first: ${s.errors[0]!.location}: ${s.errors[0]!.message})\n`);
      }
    }
    const secs = total.ms / 1000;
    rows.push(['TOTAL', '', String(total.docs), String(total.failed), String(total.chunks), secs.toFixed(1), (total.docs / secs).toFixed(1), (total.chunks / secs).toFixed(1), String(mb(process.resourceUsage().maxRSS * 1024))]);
    const head = ['group', 'formats', 'documents', 'failed', 'chunks', 'seconds', 'docs/s', 'chunks/s', 'peak RSS MB'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
    process.stdout.write(`${line(head)}\n${rows.map(line).join('\n')}\n`);
    const { rows: counts } = await db.query<{ d: number; c: number }>(
      `SELECT (SELECT count(*)::int FROM documents WHERE status = 'active') AS d, (SELECT count(*)::int FROM chunks) AS c`,
    );
    process.stdout.write(`database: ${counts[0]!.d} active documents, ${counts[0]!.c} chunks\n`);
    // CPU time says what the run costs on an idle machine, whatever else loads it meanwhile
    const cpu = process.cpuUsage();
    let cpuLine = `CPU: bench process ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`;
    if (db.mode === 'server') {
      await sampleBackends();
      const secs = [...backendCpu.values()].reduce((a, b) => a + b, 0);
      if (secs > 0) cpuLine += `, PostgreSQL backends ${secs.toFixed(1)} s (same machine)`;
    }
    process.stdout.write(`${cpuLine}; wall ${(total.ms / 1000).toFixed(1)} s\n`);
  } finally {
    clearInterval(sampler);
    if (backendSampler) clearInterval(backendSampler);
    await dispose();
    await embedder.close?.();
  }
}

await main();
