/**
 * The node flags the `cite` command runs with: those on the first line of bin/cite.mjs
 * (`#!/usr/bin/env -S node <flags>`), the one place they are written. What starts Cité otherwise reads them
 * here, so that it runs as `cite` does: the image runs the bin through that line, the benchmarks pass them.
 *
 * It holds none today. It held `--max-semi-space-size=4` to keep an embedded crawl's peak RSS down, but V8's
 * flag caps every thread's young generation, the engine's main thread too, where it cost the searches 7% of
 * their throughput: the threads that fill theirs during a crawl are now capped where they are created
 * (core/system/thread-heap.ts), which the flag would override.
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
