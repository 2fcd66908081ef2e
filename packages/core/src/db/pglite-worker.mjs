// The embedded PostgreSQL's thread (see pglite-thread.ts). Plain JavaScript, started without tsx's hooks.
// It opens PGlite, then answers each batch of frontend protocol messages with the backend's messages, in
// the order the batches came.
import fs from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';

const errorText = (e) => (e && (e.stack || e.message)) || String(e);

// shared_buffers: sized by the opener from the data directory (embedded-buffers.ts says why)
const SETTINGS = [`shared_buffers=${Math.trunc(Number(workerData.sharedBuffersMb) || 16)}MB`];

let pg;
try {
  // loadDataDir: a new database starts as a copy of a dumped one (no initdb); ignored when dataDir holds one already
  const existing = workerData.dataDir && fs.existsSync(path.join(workerData.dataDir, 'PG_VERSION'));
  const loadDataDir = workerData.template && !existing ? new Blob([workerData.template]) : undefined;
  pg = await PGlite.create({
    dataDir: workerData.dataDir,
    extensions: { vector, unaccent, pg_trgm },
    loadDataDir,
    startParams: [...PGlite.defaultStartParams, ...SETTINGS.flatMap((kv) => ['-c', kv])],
  });
  parentPort.postMessage({ type: 'ready' });
} catch (e) {
  parentPort.postMessage({ type: 'failed', message: errorText(e) });
}

/** A simple-protocol Query message. */
function queryMessage(sql) {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const message = new Uint8Array(5 + text.length);
  message[0] = 0x51; // 'Q'
  new DataView(message.buffer).setInt32(1, 4 + text.length);
  message.set(text, 5);
  return message;
}

/** The text of the first ErrorResponse among `reply`'s messages, if there is one. */
function firstError(reply) {
  const view = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
  for (let at = 0; at + 5 <= reply.byteLength; at += 1 + view.getInt32(at + 1)) {
    if (reply[at] === 0x45 /* 'E' */) return Buffer.from(reply.subarray(at + 5, at + 1 + view.getInt32(at + 1))).toString('utf8').replace(/\0/g, ' ').trim();
  }
  return undefined;
}

/**
 * PGlite runs one backend for every connection: the session of a connection node-postgres closed (its
 * prepared statements, settings, an open transaction) would otherwise pass to the next one, whose
 * node-postgres client knows none of it: it prepares its named statements again and gets `prepared
 * statement "…" already exists` at each call. A new connection gets a new session, as from a server.
 */
async function newSession() {
  for (const sql of [...(pg.isInTransaction() ? ['ROLLBACK'] : []), 'DISCARD ALL']) {
    const error = firstError(await pg.execProtocolRaw(queryMessage(sql), { syncToFs: false }));
    if (error) throw new Error(`could not start a new session (${sql}): ${error}`);
  }
}

// PGLITE_STATS=1 (bench:crawl): the thread's own time per statement, free of the engine's event-loop
// delays (which BENCH_DB_STATS's timings include), printed to stderr when the database closes, and when a
// statement holding STATS_MARK comes (then counted again from zero).
const stats = process.env.PGLITE_STATS ? new Map() : null;
let busyMs = 0;
// time between a reply that left a transaction open and the next batch: the backend waits for the engine
let idleInTxMs = 0;
let inTxSince = 0;
const openedAt = performance.now();

/** The statement a batch runs: a Parse's text, else the prepared statement a Bind names. */
function statementOf(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 5 <= bytes.byteLength; at += 1 + view.getInt32(at + 1)) {
    const t = bytes[at];
    if (t === 0x50 /* P */ || t === 0x51 /* Q */) {
      const body = Buffer.from(bytes.subarray(at + 5, at + 1 + view.getInt32(at + 1))).toString('utf8').split('\0');
      const name = t === 0x50 ? body[0] : '';
      return name || (t === 0x50 ? body[1] : body[0]).replace(/\s+/g, ' ').trim().slice(0, 80);
    }
    if (t === 0x42 /* B */) {
      const body = Buffer.from(bytes.subarray(at + 5, Math.min(at + 200, at + 1 + view.getInt32(at + 1)))).toString('utf8').split('\0');
      return body[1] || '(unnamed)';
    }
  }
  return bytes[0] === 0 ? '(startup)' : String.fromCharCode(bytes[0]);
}

const STATS_MARK = 'pglite_stats_mark';
let since = openedAt;

function report(label = 'until closed') {
  if (!stats) return;
  const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
  const wall = performance.now() - since;
  process.stderr.write(`pglite thread (${label}): busy ${(busyMs / 1000).toFixed(1)} s of ${(wall / 1000).toFixed(1)} s, idle inside transactions ${(idleInTxMs / 1000).toFixed(2)} s\n${rows.map(([k, e]) => `${String(e.n).padStart(7)} ${e.ms.toFixed(0).padStart(8)} ms  ${k}`).join('\n')}\n`);
}

async function exec(bytes) {
  try {
    // a startup message (its length's first byte is 0; other messages start with a letter): a new connection
    if (bytes[0] === 0) await newSession();
    const t = stats ? performance.now() : 0;
    if (inTxSince) {
      idleInTxMs += t - inTxSince;
      inTxSince = 0; // a batch that fails leaves no open wait behind to count twice
    }
    let out = await pg.execProtocolRaw(bytes, { syncToFs: false });
    if (stats) {
      const ms = performance.now() - t;
      // the reply ends with ReadyForQuery ('Z', length 5, status): 'T' or 'E' while a transaction is open
      const n = out.byteLength;
      inTxSince = n >= 6 && out[n - 6] === 0x5a && out[n - 1] !== 0x49 ? performance.now() : 0;
      busyMs += ms;
      const key = statementOf(bytes);
      if (key.includes(STATS_MARK)) {
        report(key);
        stats.clear();
        busyMs = idleInTxMs = 0;
        since = performance.now();
      } else {
        const e = stats.get(key) ?? { n: 0, ms: 0 };
        e.n++;
        e.ms += ms;
        stats.set(key, e);
      }
    }
    // the startup reply is a view into PGlite's own buffer: sent alone, not that whole buffer
    if (out.byteOffset !== 0 || out.byteLength !== out.buffer.byteLength) out = out.slice();
    parentPort.postMessage({ type: 'reply', bytes: out }, [out.buffer]);
  } catch (e) {
    parentPort.postMessage({ type: 'error', message: errorText(e) });
  }
}

/** The data directory as an uncompressed tarball, checkpointed first so that a copy opens without replaying WAL. */
async function dump() {
  try {
    const error = firstError(await pg.execProtocolRaw(queryMessage('CHECKPOINT'), { syncToFs: false }));
    if (error) throw new Error(`CHECKPOINT: ${error}`);
    const tarball = new Uint8Array(await (await pg.dumpDataDir('none')).arrayBuffer());
    parentPort.postMessage({ type: 'reply', bytes: tarball }, [tarball.buffer]);
  } catch (e) {
    parentPort.postMessage({ type: 'error', message: errorText(e) });
  }
}

async function close() {
  report();
  try {
    await pg?.close();
    parentPort.postMessage({ type: 'closed' });
  } catch (e) {
    parentPort.postMessage({ type: 'closed', message: errorText(e) });
  }
}

// one message at a time, in the order they came: replies go back in the order the batches were sent
let previous = Promise.resolve();
parentPort.on('message', (m) => {
  if (m.type === 'exec') previous = previous.then(() => exec(m.bytes));
  else if (m.type === 'dump') previous = previous.then(dump);
  else if (m.type === 'close') previous = previous.then(close);
});
