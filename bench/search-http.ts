/**
 * POST /v1/search as the benchmarks send it, and the engine's throughput at a concurrency, with where the
 * machine's CPU went meanwhile: shared by bench:search and bench:search-compare.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import type { SearchMode } from '@cite/retrieval/search/search-schema.js';
import { cpuMsPer, machineCpuSeconds, msPer, percentile, postgresCpuSeconds, processCpuSeconds } from './lib.js';

/**
 * Where the machine's CPU went during the c=N phase, in ms per request (Linux, server target): PostgreSQL's
 * processes, the engine's, this benchmark's, and the rest (the kernel's work for other processes, anything
 * else running). Costs per request vary much less from run to run than requests per second.
 */
export interface CpuSplit {
  machine: number;
  postgres: number;
  engine: number;
  client: number;
  other: number;
  /** The machine's CPU time over its cores' time during the phase, in %: what it left idle is not spent. */
  busyPercent: number;
}

/** One engine measurement at a concurrency. */
export interface Concurrent {
  concurrency: number;
  seconds: number;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  errors: number;
  /** This benchmark's own CPU time per request (its share of the machine). */
  clientCpuMs: number;
  cpu?: CpuSplit;
}

/** Every phrasing of a query file of the bench format (JSONL: `query` or `question`, and `variants`). */
export function phrasings(file: string): string[] {
  const out: string[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const q = JSON.parse(line) as { query?: string; question?: string; variants?: string[] };
    out.push(q.query ?? q.question ?? '', ...(q.variants ?? []));
  }
  return out.filter((q) => q.trim());
}

export const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * A search client of the engine at `url`: node:http with kept-alive connections rather than fetch, since the
 * client shares the machine with the engine and its database, and fetch cost 2.1–2.7 ms of CPU a request here
 * against 1.0–1.1 (the anchor's node-postgres client: its own figure is printed beside it). Each call sends
 * the next of `queries` (in turn) and resolves with its latency in ms.
 */
export function searchClient(url: string, key: string, queries: readonly string[], options: { mode: SearchMode; concurrency: number }): () => Promise<number> {
  let qi = 0;
  const next = () => queries[qi++ % queries.length]!;
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const target = new URL(`${url}/v1/search`);
  const post = (body: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
      const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers }, (res) => {
        let error = '';
        // an error's body says why (its code); a success's is read and dropped
        res.on('data', (d: Buffer) => void (res.statusCode !== 200 && error.length < 1000 && (error += d.toString())));
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}: ${error.trim()}`))));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  return async (): Promise<number> => {
    const t = performance.now();
    await post(JSON.stringify({ query: next(), k: 10, mode: options.mode }));
    return performance.now() - t;
  };
}

/**
 * `one` run by `concurrency` workers for `seconds`: throughput, latency, and each process's CPU per request
 * (Linux; the split only where PostgreSQL runs on this machine and `enginePid` is given).
 */
export async function measureConcurrent(
  one: () => Promise<number>,
  options: { concurrency: number; seconds: number; enginePid?: number },
): Promise<Concurrent> {
  const { concurrency, seconds, enginePid } = options;
  const lat: number[] = [];
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  const onLinux = process.platform === 'linux';
  const machine0 = onLinux ? machineCpuSeconds() : 0;
  const postgres0 = onLinux ? postgresCpuSeconds() : 0;
  const engine0 = onLinux && enginePid ? processCpuSeconds(enginePid) : 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        try {
          lat.push(await one());
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const clientCpuMs = cpuMsPer(cpu0, lat.length);
  let cpu: CpuSplit | undefined;
  if (onLinux && enginePid) {
    const machineSeconds = machineCpuSeconds() - machine0;
    const machine = msPer(machineSeconds, lat.length);
    const postgres = msPer(postgresCpuSeconds() - postgres0, lat.length);
    const engine = msPer(processCpuSeconds(enginePid) - engine0, lat.length);
    const busyPercent = round1((100 * machineSeconds) / (elapsed * os.cpus().length));
    // no PostgreSQL process on this machine: the database is elsewhere, and the split would not add up
    if (postgres > 0) cpu = { machine, postgres, engine, client: clientCpuMs, other: Math.round((machine - postgres - engine - clientCpuMs) * 100) / 100, busyPercent };
  }
  lat.sort((a, b) => a - b);
  return {
    concurrency,
    seconds: round1(elapsed),
    requests: lat.length,
    rps: round1(lat.length / elapsed),
    p50: round1(percentile(lat, 50)),
    p95: round1(percentile(lat, 95)),
    errors,
    clientCpuMs,
    cpu,
  };
}

