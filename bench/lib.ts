/** Shared pieces of the benchmark scripts: child engines, fresh server databases, percentiles. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import pg from 'pg';
import type { Queryable } from '@cite/core/db/database.js';
import { CITE_BIN, citeNodeFlags } from '@cite/app/cli/node-flags.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CITE = CITE_BIN;
/** Engines run with the node flags of the `cite` command, as users run them (cli/node-flags.ts). */
const CITE_FLAGS = citeNodeFlags();

/** `seconds` of CPU time per item, in ms to two decimals. */
export function msPer(seconds: number, items: number): number {
  return Math.round(((seconds * 1000) / Math.max(1, items)) * 100) / 100;
}

/** This process's CPU time (user + system) since `since` per item, in ms to two decimals. */
export function cpuMsPer(since: NodeJS.CpuUsage, items: number): number {
  const cpu = process.cpuUsage(since);
  return msPer((cpu.user + cpu.system) / 1e6, items);
}

/**
 * CPU time the whole machine spent (every process: the benchmark, the engine, PostgreSQL, the site), in
 * seconds (Linux): speeds vary by ±10% from run to run on a small machine, costs per item much less.
 */
export function machineCpuSeconds(): number {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100;
}

/**
 * The fields of /proc/<pid>/stat after the command name (Linux; throws once the process is gone): index 1 is
 * the parent's pid, 11 and 12 the user and system CPU time.
 */
function procStatFields(pid: number): string[] {
  // the command name, in parentheses, may hold spaces: the fields are counted after its closing one
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * User + system CPU time of one process (Linux /proc, clock ticks of 1/100 s), in seconds; 0 once it is gone.
 * With `reaped`, plus that of its children it has waited for (fields 13 and 14): those that exited.
 */
export function processCpuSeconds(pid: number, reaped = false): number {
  try {
    const fields = procStatFields(pid);
    const own = Number(fields[11]) + Number(fields[12]);
    return (reaped ? own + Number(fields[13]) + Number(fields[14]) : own) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU time of every PostgreSQL process of this machine, in seconds (Linux): those running, and those that
 * exited, which the server has reaped. A backend that closed during a measurement (an idle pooled connection,
 * a client's, an autovacuum worker) took its CPU time with it: counted among the running ones only, the
 * database's share of a phase came out short by up to a quarter of the machine's, and went to "the rest".
 */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') total += processCpuSeconds(Number(entry), true);
    } catch {
      /* gone meanwhile */
    }
  }
  return total;
}

/**
 * The malloc settings the PostgreSQL server of `db` runs with (README, Architecture: « On your own PostgreSQL
 * server »), read from its postmaster's environment: « glibc defaults » when it sets none, undefined when the
 * server is not on this machine.
 */
export async function serverMallocSettings(db: Queryable): Promise<string | undefined> {
  const { rows } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  let environ: string;
  try {
    // a server elsewhere has its own pids: a process of this machine by that number is not its backend
    if (fs.readFileSync(`/proc/${rows[0]!.pid}/comm`, 'utf8').trim() !== 'postgres') return undefined;
    // a backend writes its status over its environment (ps_status.c); its postmaster's holds what both got
    const postmaster = procStatFields(rows[0]!.pid)[1];
    environ = fs.readFileSync(`/proc/${postmaster}/environ`, 'utf8');
  } catch {
    return undefined;
  }
  const set = environ.split('\0').filter((v) => v.startsWith('MALLOC_') || v.startsWith('GLIBC_TUNABLES='));
  return set.length ? set.join(' ') : 'glibc defaults';
}

/** The middle value (of an even count, the mean of the two middle ones). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Creates (dropping first) a database on the server of `baseUrl`; returns its URL. */
export async function freshServerDatabase(baseUrl: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: baseUrl });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Runs `cite <args>` to completion; resolves with stdout, rejects with stderr on failure. `cite ingest`
 * exiting 3 (some documents failed, the run went through) resolves: its summary lists them.
 */
export function cite(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CITE_FLAGS, CITE, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const ok = (code: number | null) => code === 0 || (code === 3 && args[0] === 'ingest');
    child.on('exit', (code) => (ok(code) ? resolve(out) : reject(new Error(`cite ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

/**
 * Starts `cite start` as a child process and waits for /readyz; `bin`: another checkout's `cite` (its
 * packages/app/bin/cite.mjs, bench:search-compare), run with the node flags of its own first line.
 */
export async function startEngineProcess(env: Record<string, string>, bin = CITE): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const port = env.PORT ?? String(20000 + Math.floor(Math.random() * 20000));
  // BENCH_CPU_PROF=dir: a V8 CPU profile of the engine, written when it stops (as bench:crawl's children)
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const flags = bin === CITE ? CITE_FLAGS : citeNodeFlags(bin);
  const child = spawn(process.execPath, [...flags, ...prof, bin, 'start'], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: port },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`engine exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error('engine did not become ready');
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Peak resident set size of a process, sampled from /proc (Linux). */
export function sampleRss(pid: number, intervalMs = 100): { stop: () => number } {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const m = /VmRSS:\s+(\d+) kB/.exec(status);
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      /* process gone */
    }
  }, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}



export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
