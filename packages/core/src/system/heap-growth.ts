/**
 * V8 lets a heap grow to up to ~4× what survived its last full collection before it collects again. Cité's
 * long-running processes keep a small live set (a crawler ~30-40 MB) and allocate fast (pages parsed,
 * chunks hashed, statements built), so under V8's own policy most of a crawler's peak RSS was garbage
 * waiting for a collection that came late. HEAP_GROWTH_PERCENT bounds that growth for the whole process
 * (worker threads included: the flag is V8's, read at each collection), trading a few more collections
 * for memory. Measured (bench:crawl, server database, 3 runs each): peak RSS 266-272 MB → 215-220 MB at
 * 50 %, pages/s within run-to-run noise.
 */
import v8 from 'node:v8';

let applied: number | undefined;

/** Applies `percent` (0: V8's own policy) to this process once; later calls with another value are ignored. */
export function applyHeapGrowth(percent: number, setFlags: (flags: string) => void = v8.setFlagsFromString): boolean {
  if (applied !== undefined || !(percent > 0)) return false;
  applied = percent;
  setFlags(`--heap-growing-percent=${Math.trunc(percent)}`);
  return true;
}
