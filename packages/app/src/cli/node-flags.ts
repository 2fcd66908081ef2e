/**
 * The node flags the `cite` command runs with: those on the first line of bin/cite.mjs
 * (`#!/usr/bin/env -S node <flags>`), the one place they are written. What starts Cité otherwise reads them
 * here, so that it runs as `cite` does: the image runs the bin through that line, the benchmarks pass them.
 *
 * `--max-semi-space-size=4` (MB): V8's young generation is two semi-spaces of up to 16 MB each, both of them
 * touched, in each isolate; a Cité process has several (the engine's, the embedded database's thread, tsx's
 * module hooks), and a crawl fills the first two: 64 MB of a ~400 MB peak. Only a flag at start sets it: V8
 * sizes the young generation when it creates a heap, unlike the old generation's growth (HEAP_GROWTH_PERCENT,
 * heap-growth.ts), which it reads at each collection. Measured in bench:crawl (embedded database, 2,000 pages,
 * 2 cores, 4 alternated runs each): V8's 16 MB: peak RSS 398–419 MB, 187–209 pages/s; 4 MB: 337–389 MB,
 * 192–205 pages/s (the engine's main thread scavenges 3× as often, ~130 ms more over the crawl); 2 MB:
 * 327–374 MB but 161–197 pages/s. bench:search's throughput did not move (141 / 126 requests/s at 4 MB
 * against 144 / 122 at 16, alternated).
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CITE_BIN = fileURLToPath(new URL('../../bin/cite.mjs', import.meta.url));

const FIRST_LINE = /^#!\/usr\/bin\/env -S node((?: +--[a-z0-9-]+(?:=\S+)?)*) *$/;

/** The flags on the first line of `bin` (the `cite` command by default). */
export function citeNodeFlags(bin = CITE_BIN): string[] {
  const first = fs.readFileSync(bin, 'utf8').split('\n', 1)[0] ?? '';
  const m = FIRST_LINE.exec(first);
  if (!m) throw new Error(`${bin}: expected a first line "#!/usr/bin/env -S node [--flag…]", found "${first}"`);
  return m[1]!.trim().split(/ +/).filter(Boolean);
}
