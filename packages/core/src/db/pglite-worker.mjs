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

let pg;
try {
  // loadDataDir: a new database starts as a copy of a dumped one (no initdb); ignored when dataDir holds one already
  const existing = workerData.dataDir && fs.existsSync(path.join(workerData.dataDir, 'PG_VERSION'));
  const loadDataDir = workerData.template && !existing ? new Blob([workerData.template]) : undefined;
  pg = await PGlite.create({ dataDir: workerData.dataDir, extensions: { vector, unaccent, pg_trgm }, loadDataDir });
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

async function exec(bytes) {
  try {
    // a startup message (its length's first byte is 0; other messages start with a letter): a new connection
    if (bytes[0] === 0) await newSession();
    let out = await pg.execProtocolRaw(bytes, { syncToFs: false });
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
