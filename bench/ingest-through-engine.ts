/**
 * `npm run bench:ingest -- <paths…> --through-engine [--server postgres://…] [--rounds N]`
 *
 * The same inputs indexed twice per round, each time into a fresh database: directly, as `cite ingest`
 * does when it holds the database (outcomesOf → indexDocuments), then through a running engine (a
 * `cite start` child process) as `cite ingest` does while the engine holds it (uploadToEngine). Times
 * what the user waits for (CLI start-up excluded: the same in both), with the CPU seconds of each side,
 * which say more than wall time on a shared machine; the load average is printed with the figures.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import { openEmbeddedDatabase } from '@cite/core/db/embedded-database.js';
import { migrate } from '@cite/core/db/migrations.js';
import { openServerDatabase } from '@cite/core/db/server-database.js';
import { createEmbedder } from '@cite/core/embeddings/create-embedder.js';
import { createKey } from '@cite/app/keys/api-keys.js';
import { localFilesOf, uploadToEngine } from '@cite/app/cli/engine-upload.js';
import { outcomesOf } from '@cite/ingestion/ingest/ingest-inputs.js';
import { collectionByName, filesSource, finishIngestRun, startIngestRun } from '@cite/ingestion/ingest/ingest-run.js';
import { indexDocuments, type IndexSummary } from '@cite/ingestion/ingest/index-documents.js';
import pg from 'pg';
import { freshServerDatabase, startEngineProcess } from './lib.js';

interface Measure {
  how: 'direct' | 'through engine';
  seconds: number;
  /** CPU seconds of the processes that did the work (PostgreSQL server backends not counted). */
  cpu: number;
  summary: IndexSummary;
}

const loadAvg = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

/** utime + stime of a local process from /proc, in seconds. */
function procCpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const ownCpuSeconds = () => ((u) => (u.user + u.system) / 1e6)(process.cpuUsage());

/** A fresh place to write: a temporary DATA_DIR, or a new database on the server. */
async function freshTarget(server: string | undefined): Promise<{ env: Record<string, string>; open: () => Promise<Database>; dispose: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-bench-engine-'));
  if (!server) {
    return { env: { DATA_DIR: dir, DATABASE_URL: '' }, open: () => openEmbeddedDatabase(dir), dispose: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `cite_bench_${crypto.randomBytes(4).toString('hex')}`;
  const url = await freshServerDatabase(server, name);
  return {
    env: { DATA_DIR: dir, DATABASE_URL: url },
    open: () => openServerDatabase(url, 8),
    dispose: async () => {
      fs.rmSync(dir, { recursive: true, force: true });
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

async function direct(paths: string[], server: string | undefined, collection: string): Promise<Measure> {
  const cfg = loadConfig();
  const target = await freshTarget(server);
  const db = await target.open();
  const embedder = await createEmbedder(cfg);
  try {
    await migrate(db);
    const cpu0 = ownCpuSeconds();
    const t0 = performance.now();
    // what `cite ingest` does once it holds the database
    const collectionId = await collectionByName(db, collection);
    const sourceId = await filesSource(db, collectionId);
    const runId = await startIngestRun(db, sourceId, 'cli', paths);
    const summary = await indexDocuments(db, embedder, { collectionId, sourceId, runId }, outcomesOf(paths, cfg), undefined, {
      chunkTokens: cfg.CHUNK_TOKENS,
      overlapTokens: cfg.CHUNK_OVERLAP_TOKENS,
    });
    await finishIngestRun(db, runId, summary);
    return { how: 'direct', seconds: (performance.now() - t0) / 1000, cpu: ownCpuSeconds() - cpu0, summary };
  } finally {
    await embedder.close?.();
    await db.close();
    await target.dispose();
  }
}

async function throughEngine(paths: string[], server: string | undefined, collection: string): Promise<Measure> {
  const target = await freshTarget(server);
  let key: string | undefined;
  if (server) {
    // the engine's own bootstrap key is printed once on its stdout; a key of our own is simpler to get
    const db = await target.open();
    await migrate(db);
    key = (await createKey(db, { name: 'bench', role: 'admin' })).key;
    await db.close();
  }
  const engine = await startEngineProcess({ ...target.env, LOG_LEVEL: 'warn' });
  try {
    key ??= (JSON.parse(fs.readFileSync(path.join(target.env.DATA_DIR!, 'engine.json'), 'utf8')) as { key: string }).key;
    const { files } = await localFilesOf(paths);
    const engineCpu0 = procCpuSeconds(engine.child.pid!);
    const cpu0 = ownCpuSeconds();
    const t0 = performance.now();
    const { summary } = await uploadToEngine({ url: engine.url, key }, files, collection);
    const seconds = (performance.now() - t0) / 1000;
    return { how: 'through engine', seconds, cpu: ownCpuSeconds() - cpu0 + procCpuSeconds(engine.child.pid!) - engineCpu0, summary };
  } finally {
    await engine.stop();
    await target.dispose();
  }
}

export async function benchThroughEngine(args: { paths: string[]; server?: string; collection: string; rounds: number }): Promise<void> {
  const paths = args.paths.map((p) => path.resolve(p));
  process.stdout.write(
    `bench:ingest --through-engine — ${args.server ? 'PostgreSQL server' : 'embedded PGlite'}; ${paths.length} input(s); ` +
      `${os.cpus().length} CPUs, load ${loadAvg()}\n`,
  );
  const rows: Measure[][] = [];
  for (let round = 1; round <= args.rounds; round++) {
    const d = await direct(paths, args.server, args.collection);
    const e = await throughEngine(paths, args.server, args.collection);
    rows.push([d, e]);
    for (const m of [d, e]) {
      const s = m.summary;
      process.stdout.write(
        `round ${round} ${m.how.padEnd(14)} ${m.seconds.toFixed(1).padStart(6)} s  CPU ${m.cpu.toFixed(1).padStart(5)} s  ` +
          `${s.new + s.changed + s.unchanged} documents, ${s.failed} failed, ${s.chunks} chunks  (load ${loadAvg()})\n`,
      );
    }
    if (JSON.stringify([d.summary.new, d.summary.failed, d.summary.chunks]) !== JSON.stringify([e.summary.new, e.summary.failed, e.summary.chunks])) {
      process.stdout.write('  WARNING: the two ingests disagree on their counts\n');
    }
  }
  const best = (i: 0 | 1) => Math.min(...rows.map((r) => r[i].seconds));
  process.stdout.write(`best of ${args.rounds}: direct ${best(0).toFixed(1)} s, through engine ${best(1).toFixed(1)} s, ratio ${(best(1) / best(0)).toFixed(2)}×\n`);
}
