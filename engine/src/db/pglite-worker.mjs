// The embedded PostgreSQL's thread (see pglite-thread.ts). Plain JavaScript, started without tsx's hooks.
// It opens PGlite, then answers each batch of frontend protocol messages with the backend's messages, in
// the order the batches came.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';

const errorText = (e) => (e && (e.stack || e.message)) || String(e);

let pg;
try {
  pg = await PGlite.create({ dataDir: workerData.dataDir, extensions: { vector, unaccent, pg_trgm } });
  parentPort.postMessage({ type: 'ready' });
} catch (e) {
  parentPort.postMessage({ type: 'failed', message: errorText(e) });
}

parentPort.on('message', async (m) => {
  if (m.type === 'exec') {
    try {
      let out = await pg.execProtocolRaw(m.bytes, { syncToFs: false });
      // the startup reply is a view into PGlite's own buffer: sent alone, not that whole buffer
      if (out.byteOffset !== 0 || out.byteLength !== out.buffer.byteLength) out = out.slice();
      parentPort.postMessage({ type: 'reply', bytes: out }, [out.buffer]);
    } catch (e) {
      parentPort.postMessage({ type: 'error', message: errorText(e) });
    }
  } else if (m.type === 'close') {
    try {
      await pg?.close();
      parentPort.postMessage({ type: 'closed' });
    } catch (e) {
      parentPort.postMessage({ type: 'closed', message: errorText(e) });
    }
  }
});
