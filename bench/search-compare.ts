/**
 * bench:search-compare: two or more engines, one database, interleaved. A change to the engine worth a few
 * percent is smaller than the spread between bench:search's rounds (the machine drifts by 16% within minutes
 * here), so it is measured against the engine without it in the same minutes: each round runs the bare HNSW
 * query (the anchor, search-anchor.ts) and then every variant's c=N phase, in an order rotated from round to
 * round (the engine measured first after the anchor won 5 of 6 rounds in one run, whichever it was).
 *
 *   npm run bench:search-compare -- --database postgres://…/cite_bench_search \
 *     --queries ../shared/bench/queries/cdtn-dev.jsonl \
 *     --variant base --variant 'active3:DATABASE_MAX_ACTIVE=3' [--variant 'old@/tmp/old/packages/app/bin/cite.mjs']
 *
 * A variant is `label[@bin][:KEY=VALUE,KEY=VALUE…]`: an environment added to the engine's, and another
 * checkout's `cite` to run (a code change measured against the revision before it: `git worktree add` then
 * `npm ci` there). The database is one bench:search left (`cite_bench_search`) or any ingested one; the engines
 * run with the hash embedder, as bench:search's.
 */
import { parseArgs } from 'node:util';
import { createKey } from '@cite/app/keys/api-keys.js';
import { openServerDatabase } from '@cite/core/db/server-database.js';
import type { SearchMode } from '@cite/retrieval/search/search-schema.js';
import { CITE, startEngineProcess } from './lib.js';
import { measureBareHnsw, nearBest, type ThroughputFigures } from './search-anchor.js';
import { measureConcurrent, phrasings, round1, searchClient, type Concurrent } from './search-http.js';

const { values } = parseArgs({
  options: {
    database: { type: 'string' },
    queries: { type: 'string' },
    variant: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '16' },
    mode: { type: 'string', default: 'hybrid' },
    'anchor-seconds': { type: 'string', default: '8' },
    /** Rounds without the anchor between them: the variants alone, still rotated. */
    'no-anchor': { type: 'boolean', default: false },
  },
});

interface Variant {
  label: string;
  bin: string;
  env: Record<string, string>;
}

const VARIANT = /^([A-Za-z0-9_.-]+)(?:@([^:]+))?(?::(.*))?$/;

/** `label[@bin][:KEY=VALUE,KEY=VALUE…]` as a variant (bin: this checkout's `cite` unless given). */
function parseVariant(spec: string): Variant {
  const m = VARIANT.exec(spec.trim());
  if (!m) throw new Error(`--variant ${spec}: expected label[@bin][:KEY=VALUE,KEY=VALUE…]`);
  const env: Record<string, string> = {};
  for (const pair of (m[3] ?? '').split(',').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--variant ${spec}: "${pair}" is not KEY=VALUE`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { label: m[1]!, bin: m[2] ?? CITE, env };
}

/** The order the variants run in at round `round` (0-based): rotated by one each round. */
function rotation<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const fixed = (x: number | undefined, digits = 2) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));

async function main(): Promise<void> {
  if (!values.database) throw new Error('--database URL: the database to search (a bench:search one, or any ingested one)');
  if (!values.queries) throw new Error('--queries FILE: the queries to send (bench format, every phrasing)');
  const variants = (values.variant ?? []).map(parseVariant);
  if (variants.length < 2) throw new Error('--variant: at least two, the first being what the others are compared with');
  if (new Set(variants.map((v) => v.label)).size !== variants.length) throw new Error('--variant: each label once');
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds ${values.rounds}: a whole number, 1 or more`);
  const concurrency = Number(values.concurrency);
  const seconds = Number(values.seconds);
  const mode = values.mode as SearchMode;
  const queries = phrasings(values.queries);
  const url = values.database;

  const db = await openServerDatabase(url, 1);
  const { key } = await createKey(db, { name: 'bench-search-compare', role: 'agent' });
  await db.close();

  const common = { EMBEDDINGS: 'hash', RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: 'warn', DATABASE_URL: url };
  const engines = [];
  try {
    for (const v of variants) {
      process.stderr.write(`starting ${v.label}${v.bin === CITE ? '' : ` (${v.bin})`}…\n`);
      const engine = await startEngineProcess({ ...common, ...v.env }, v.bin);
      const one = searchClient(engine.url, key, queries, { mode, concurrency });
      for (let i = 0; i < 200; i++) await one(); // its statements prepared, its code warm
      engines.push({ variant: v, engine, one });
    }
    let anchorBest = values['no-anchor'] ? undefined : (await measureBareHnsw(url, queries, { seconds: Number(values['anchor-seconds']) })).best;
    const results = new Map<string, Concurrent[]>(variants.map((v) => [v.label, []]));
    const anchors: number[] = [];
    for (let r = 0; r < rounds; r++) {
      let anchor: ThroughputFigures | undefined;
      if (anchorBest) {
        // near the best concurrency, as bench:search's rounds (measureAnchorAgain says why)
        anchor = await measureBareHnsw(url, queries, { seconds: Number(values['anchor-seconds']), concurrencies: nearBest(anchorBest.concurrency) });
        anchorBest = anchor.best;
        anchors.push(anchor.best.tps);
      }
      const line: string[] = [];
      for (const e of rotation(engines, r)) {
        const c = await measureConcurrent(e.one, { concurrency, seconds, enginePid: e.engine.child.pid });
        results.get(e.variant.label)!.push(c);
        line.push(`${e.variant.label} ${c.rps}/s${c.errors ? ` (${c.errors} errors)` : ''}`);
      }
      console.log(`round ${r + 1}: ${anchor ? `anchor ${anchor.best.tps}/s (c=${anchor.best.concurrency}); ` : ''}${line.join(', ')}`);
    }
    report(variants, results, anchors, concurrency);
  } finally {
    await Promise.all(engines.map((e) => e.engine.stop()));
  }
}

function report(variants: Variant[], results: Map<string, Concurrent[]>, anchors: number[], concurrency: number): void {
  const base = results.get(variants[0]!.label)!;
  const baseRps = mean(base.map((c) => c.rps));
  const anchorMean = anchors.length ? mean(anchors) : undefined;
  console.log(`\nmeans of ${base.length} rounds at c=${concurrency}${anchorMean ? `; anchor ${round1(anchorMean)}/s` : ''}`);
  console.log('variant          req/s   vs first  rounds won  × anchor   p50 ms   p95 ms  machine ms  PostgreSQL ms  engine ms  client ms  busy %  errors');
  for (const v of variants) {
    const runs = results.get(v.label)!;
    const rps = mean(runs.map((c) => c.rps));
    const won = runs.filter((c, i) => c.rps > base[i]!.rps).length;
    const cpu = (f: (c: NonNullable<Concurrent['cpu']>) => number) => {
      const xs = runs.map((c) => c.cpu).filter((c): c is NonNullable<Concurrent['cpu']> => c !== undefined).map(f);
      return xs.length ? mean(xs) : undefined;
    };
    const vsFirst = v === variants[0] ? '' : `${rps >= baseRps ? '+' : ''}${fixed((100 * rps) / baseRps - 100, 1)}%`;
    console.log(
      `${v.label.padEnd(15)} ${fixed(rps, 1).padStart(6)}  ${vsFirst.padStart(8)}  ${(v === variants[0] ? '' : `${won} of ${runs.length}`).padStart(10)}  ` +
        `${(anchorMean ? fixed(rps / anchorMean) : '–').padStart(8)}  ${fixed(mean(runs.map((c) => c.p50)), 1).padStart(7)}  ${fixed(mean(runs.map((c) => c.p95)), 1).padStart(7)}  ${fixed(cpu((c) => c.machine)).padStart(10)}  ${fixed(cpu((c) => c.postgres)).padStart(13)}  ` +
        `${fixed(cpu((c) => c.engine)).padStart(9)}  ${fixed(cpu((c) => c.client)).padStart(9)}  ${fixed(cpu((c) => c.busyPercent), 1).padStart(6)}  ${String(runs.reduce((n, c) => n + c.errors, 0)).padStart(6)}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
