/**
 * The embedded database's buffer cache (shared_buffers), fixed when it opens. PGlite touches all of it at
 * start, so it is resident from the first statement: an empty or small database keeps the 16 MB floor (an
 * engine opening one: 199 MB of RSS, against 313 MB at 128 MB). A database that grew gets a cache of half
 * its size, enough for its search indexes: with 16 MB, a hybrid search over 20,000 chunks (a 319 MB
 * database, of which HNSW 39 MB and BM25 postings 85 MB) read ~1,000 pages from the data directory, and
 * bench:search ran at 24 ms p50, 47 requests/s at c=16; with 128 MB, 15.5 ms and 83 requests/s (320 MB: no
 * better). A page evicted from the cache is still in the operating system's page cache, so a miss costs a
 * read call, not a disk access: the crawl's writes ran as fast at 16 MB as at 128 MB.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const MB = 2 ** 20;
/** The floor, and the step the size is rounded up to. */
export const MIN_SHARED_BUFFERS_MB = 16;
/** The ceiling: PGlite's WASM memory is 32-bit, and the backend needs room beside its cache. */
export const MAX_SHARED_BUFFERS_MB = 512;

/**
 * shared_buffers in MB for a data directory: half the size of its largest database (a directory of
 * `base/`: Cité's; the templates beside it weigh 7.5 MB each), rounded up to 16 MB, between 16 MB and the
 * smaller of 512 MB and an eighth of the machine's memory. In memory: the floor.
 */
export function embeddedSharedBuffersMb(dbPath: string | undefined, totalMemBytes = os.totalmem()): number {
  const ceiling = Math.max(MIN_SHARED_BUFFERS_MB, Math.min(MAX_SHARED_BUFFERS_MB, Math.floor(totalMemBytes / 8 / MB)));
  if (!dbPath) return MIN_SHARED_BUFFERS_MB;
  const base = path.join(dbPath, 'base');
  const dataMb = Math.max(0, ...entries(base).filter((e) => e.isDirectory()).map((e) => directoryBytes(path.join(base, e.name)))) / MB;
  const rounded = Math.ceil(dataMb / 2 / MIN_SHARED_BUFFERS_MB) * MIN_SHARED_BUFFERS_MB;
  return Math.min(ceiling, Math.max(MIN_SHARED_BUFFERS_MB, rounded));
}

function entries(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return []; // no data directory yet
  }
}

function directoryBytes(dir: string): number {
  let total = 0;
  for (const e of entries(dir)) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) total += directoryBytes(full);
    else if (e.isFile()) total += fs.statSync(full, { throwIfNoEntry: false })?.size ?? 0;
  }
  return total;
}
