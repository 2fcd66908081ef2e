/**
 * With no model server configured and no source enabled, a real `cite start` (engine + its background
 * worker, embedded database) opens no outbound connection and makes no DNS query. Two independent
 * witnesses: a preload recording every connect/UDP send/DNS call made from JavaScript, and the kernel's
 * socket tables (/proc/<pid>/net/{tcp,tcp6,udp,udp6} joined with the process tree's socket fds),
 * which also see native code. Each witness is first shown to detect a deliberate connection.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { availableModes, createServerDatabase } from '@cite/core/testing/databases.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PRELOAD = path.join(here, 'testing', 'record-network.mjs');
const CITE_BIN = path.resolve(here, '../../bin/cite.mjs');

interface NetEvent {
  pid: number;
  kind: 'connect' | 'ipc' | 'udp' | 'dns' | 'preload';
  host?: string;
  port?: number;
  fn?: string;
}
interface KernelSocket {
  pid: number;
  proto: string;
  remote: string;
  state: string;
}

const isLocalName = (h: string) => ['localhost', '127.0.0.1', '::1', '::ffff:127.0.0.1', '0.0.0.0', '::', ''].includes(h.toLowerCase()) || h.startsWith('127.');

function readEvents(file: string): NetEvent[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as NetEvent);
}
/** Network attempts that would leave the machine. */
function outboundEvents(events: NetEvent[]): NetEvent[] {
  return events.filter((e) => (e.kind === 'connect' || e.kind === 'udp' || e.kind === 'dns') && !isLocalName(e.host ?? ''));
}

/** The process and all its descendants. */
function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks: string[];
    try {
      tasks = fs.readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        for (const c of fs.readFileSync(`/proc/${out[i]}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) out.push(Number(c));
      } catch {
        /* task ended */
      }
    }
  }
  return out;
}

function hexToAddress(hex: string): string {
  const [addr, port] = hex.split(':') as [string, string];
  const p = parseInt(port, 16);
  if (addr.length === 8) {
    const b = Buffer.from(addr, 'hex');
    return `${b[3]}.${b[2]}.${b[1]}.${b[0]}:${p}`;
  }
  // IPv6: four little-endian 32-bit words
  const words = addr.match(/.{8}/g)!.map((w) => Buffer.from(w, 'hex').reverse().toString('hex'));
  const groups = words.join('').match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, ''));
  return `[${groups.join(':')}]:${p}`;
}
const remoteIsLocal = (remote: string) =>
  /^(127\.\d+\.\d+\.\d+|0\.0\.0\.0):/.test(remote) || /^\[(0:0:0:0:0:0:0:[01]|0:0:0:0:0:ffff:7f[0-9a-f]{2}:[0-9a-f]+|0:0:0:0:0:ffff:0:0)\]:/.test(remote);

/** Sockets of the process tree whose remote end is not loopback (listening sockets have remote 0:0). */
function kernelOutbound(rootPid: number): KernelSocket[] {
  const found: KernelSocket[] = [];
  for (const pid of processTree(rootPid)) {
    const inodes = new Set<string>();
    try {
      for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
        try {
          const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
          if (m) inodes.add(m[1]!);
        } catch {
          /* fd closed meanwhile */
        }
      }
    } catch {
      continue;
    }
    if (!inodes.size) continue;
    for (const proto of ['tcp', 'tcp6', 'udp', 'udp6']) {
      let table: string;
      try {
        table = fs.readFileSync(`/proc/${pid}/net/${proto}`, 'utf8');
      } catch {
        continue;
      }
      for (const line of table.split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols.length < 10 || !inodes.has(cols[9]!)) continue;
        const remote = hexToAddress(cols[2]!);
        if (!remoteIsLocal(remote)) found.push({ pid, proto, remote, state: cols[3]! });
      }
    }
  }
  return found;
}

/** Samples the kernel tables every 50 ms until stopped; returns every outbound socket seen. */
function watchKernel(pid: number): () => KernelSocket[] {
  const seen = new Map<string, KernelSocket>();
  const sample = () => {
    for (const s of kernelOutbound(pid)) seen.set(`${s.pid}/${s.proto}/${s.remote}`, s);
  };
  sample();
  const timer = setInterval(sample, 50);
  return () => {
    clearInterval(timer);
    sample();
    return [...seen.values()];
  };
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // nothing configured: no model server, no database server, no proxy, no inherited config file
    if (/^(EMBEDDINGS|LLM|DATABASE_URL|CITE_|OUTBOUND|MODELS_|HTTPS?_PROXY|ALL_PROXY|NO_PROXY|NODE_OPTIONS|VITEST|RETENTION)/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function waitForExit(child: ChildProcess, ms: number): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, ms);
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

describe('no outbound connection without model servers or enabled sources', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-no-outbound-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the two witnesses detect a deliberate outbound attempt', async () => {
    // A server on the machine's own non-loopback address, when it has one: a connection to it leaves
    // loopback, so the kernel witness must see it.
    const external = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    const server = http.createServer((_q, s) => setTimeout(() => s.end('ok'), 500));
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    const port = (server.address() as AddressInfo).port;
    const record = path.join(tmp, 'control.jsonl');
    const script = `
      const dns = require('node:dns');
      dns.lookup('control.invalid', () => {});
      ${external ? `require('node:http').get('http://${external}:${port}/', (r) => r.resume());` : ''}
      setTimeout(() => {}, 900);`;
    const child = spawn(process.execPath, ['--import', PRELOAD, '-e', script], { env: cleanEnv({ CITE_NET_RECORD: record }), stdio: 'ignore' });
    children.push(child);
    const stopWatch = watchKernel(child.pid!);
    await waitForExit(child, 10_000);
    const kernel = stopWatch();
    server.close();
    const events = outboundEvents(readEvents(record));
    expect(events).toContainEqual(expect.objectContaining({ kind: 'dns', host: 'control.invalid' }));
    if (external) {
      expect(events).toContainEqual(expect.objectContaining({ kind: 'connect', host: external }));
      expect(kernel.map((s) => s.remote)).toContain(`${external}:${port}`);
    }
  });

  interface Spawned {
    child: ChildProcess;
    output: () => string;
    /** Stops the process (SIGTERM), then returns what the two witnesses saw. */
    finish: () => Promise<{ exitCode: number | null; events: NetEvent[]; kernel: KernelSocket[] }>;
  }
  function spawnCite(name: string, args: string[], env: Record<string, string>): Spawned {
    const record = path.join(tmp, `${name}.jsonl`);
    const child = spawn(process.execPath, ['--import', PRELOAD, CITE_BIN, ...args], {
      env: cleanEnv({ CITE_NET_RECORD: record, EMBEDDINGS: 'hash', LOG_LEVEL: 'info', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const stopWatch = watchKernel(child.pid!);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    return {
      child,
      output: () => out,
      finish: async () => {
        child.kill('SIGTERM');
        const exitCode = await waitForExit(child, 30_000);
        return { exitCode, events: readEvents(record), kernel: stopWatch() };
      },
    };
  }
  function waitForOutput(p: Spawned, re: RegExp, ms = 120_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}:\n${p.output()}`)), ms);
      const check = () => {
        const m = re.exec(p.output());
        if (m) {
          clearTimeout(t);
          p.child.stdout!.off('data', check);
          p.child.stderr!.off('data', check);
          resolve(m);
        }
      };
      p.child.stdout!.on('data', check);
      p.child.stderr!.on('data', check);
      p.child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${p.output()}`)));
      check();
    });
  }
  /** Talks to the engine like a user would, then lets the background parts run their first cycles. */
  async function exercise(url: string, key: string, purger: Spawned): Promise<void> {
    const get = (p: string, init: RequestInit = {}) => fetch(`${url}${p}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
    expect((await get('/readyz')).status).toBe(200);
    expect((await get('/v1/me')).status).toBe(200);
    const outbound = (await (await get('/admin/api/outbound')).json()) as { models: unknown[]; crawl_sites: unknown[]; enforced: boolean };
    expect(outbound).toMatchObject({ models: [], crawl_sites: [], enforced: true });
    expect((await get('/admin/api/retention/purge', { method: 'POST', body: '{}' })).status).toBe(200);
    // the scheduled purge starts after 5 s (in the process running the background parts); the crawler and
    // evaluation workers poll meanwhile. Its end is logged: no fixed wait that a slow machine could outrun
    await waitForOutput(purger, /retention purge (done|failed)/, 60_000);
    const metrics = await (await get('/metrics')).text();
    expect(metrics.split('\n').filter((l) => l.startsWith('cite_outbound_requests_total{'))).toEqual([]);
  }
  function expectNothingLeft(name: string, r: { exitCode: number | null; events: NetEvent[]; kernel: KernelSocket[] }): void {
    expect(r.exitCode, `${name} exits cleanly`).toBe(0);
    expect(r.events.some((e) => e.kind === 'preload'), `the preload ran in ${name}`).toBe(true);
    expect(outboundEvents(r.events), name).toEqual([]);
    expect(r.kernel, name).toEqual([]);
  }

  it('`cite start` (embedded, with its worker) opens no outbound connection and makes no DNS query', async () => {
    const engine = spawnCite('engine', ['start'], { DATA_DIR: path.join(tmp, 'data'), PORT: '0', HOST: '127.0.0.1' });
    const [, url] = await waitForOutput(engine, /Cité is listening on (http:\/\/\S+?) /);
    const key = /^\s+(cite_\S+)\s*$/m.exec(engine.output())?.[1];
    expect(key, 'bootstrap key printed').toBeTruthy();
    await exercise(url!, key!, engine);
    expect(engine.output()).toMatch(/outbound policy installed/);
    expectNothingLeft('cite start', await engine.finish());
  }, 200_000);

  // With a PostgreSQL server: the engine and a separate `cite worker`, both watched. The database is the
  // one destination they may reach (here on loopback).
  for (const mode of availableModes().filter((m) => m === 'server')) {
    it(`\`cite start\` + \`cite worker\` [${mode}] open no connection but to the database`, async () => {
      const { url: databaseUrl, drop } = await createServerDatabase(process.env.DATABASE_URL!);
      try {
        const dbHost = new URL(databaseUrl).hostname;
        const env = { DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', DATA_DIR: path.join(tmp, 'server-data') };
        const engine = spawnCite('engine-server', ['start'], env);
        const [, url] = await waitForOutput(engine, /Cité is listening on (http:\/\/\S+?) /);
        const key = /^\s+(cite_\S+)\s*$/m.exec(engine.output())?.[1];
        const worker = spawnCite('worker', ['worker'], env);
        await waitForOutput(worker, /worker started/);
        await exercise(url!, key!, worker);
        const results = { 'cite start': await engine.finish(), 'cite worker': await worker.finish() };
        for (const [name, r] of Object.entries(results)) {
          expectNothingLeft(name, { ...r, events: r.events.filter((e) => e.host !== dbHost), kernel: r.kernel.filter((k) => !k.remote.startsWith(`${dbHost}:`)) });
        }
      } finally {
        await drop();
      }
    }, 300_000);
  }
});
