import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import type { AppContext } from '../http/app-context.js';
import { describeEachDatabase } from '../testing/databases.js';
import { waitFor } from '../testing/wait-for.js';
import { autovacuumAdvice, bufferCacheAdvice, readAutovacuum, readServerMemory, upkeepWithoutAutovacuumPart } from './server-tuning.js';

const MB = 1024 * 1024;

describe('bufferCacheAdvice', () => {
  it('is silent while the buffer cache holds the vector index and a share of the postings', () => {
    expect(bufferCacheAdvice({ sharedBuffersBytes: 1024 * MB, vectorIndexBytes: 195 * MB, postingsIndexBytes: 628 * MB })).toBeNull();
    expect(bufferCacheAdvice({ sharedBuffersBytes: 128 * MB, vectorIndexBytes: 0, postingsIndexBytes: 0 })).toBeNull();
  });

  it("names the sizes and a setting when PostgreSQL's default cache is too small", () => {
    const advice = bufferCacheAdvice({ sharedBuffersBytes: 128 * MB, vectorIndexBytes: 195 * MB, postingsIndexBytes: 628 * MB });
    expect(advice).toContain('shared_buffers is 128 MB');
    expect(advice).toContain('vector index 195 MB');
    expect(advice).toContain('postings index 628 MB');
    // (195 + 157) × 1.5 = 528 MB, rounded up to 768, never below 1 GB
    expect(advice).toContain('shared_buffers = 1024MB');
    const big = bufferCacheAdvice({ sharedBuffersBytes: 1024 * MB, vectorIndexBytes: 1500 * MB, postingsIndexBytes: 4000 * MB });
    expect(big).toContain('shared_buffers = 3840MB');
  });
});

describe('autovacuumAdvice', () => {
  it('is silent with autovacuum on, and says what to set when it is off', () => {
    expect(autovacuumAdvice(true)).toBeNull();
    expect(autovacuumAdvice(false)).toContain('autovacuum = on');
  });
});

describeEachDatabase('readServerMemory', (ctx) => {
  it("reads shared_buffers in bytes and the search indexes' sizes", async () => {
    const m = await readServerMemory(ctx.db);
    const { rows } = await ctx.db.query<{ s: string }>(`SELECT current_setting('shared_buffers') AS s`);
    const [, n, unit] = /^(\d+)(kB|MB|GB)$/.exec(rows[0]!.s)!;
    expect(m.sharedBuffersBytes).toBe(Number(n) * { kB: 1024, MB: MB, GB: 1024 * MB }[unit as 'kB' | 'MB' | 'GB']);
    // migrated schema: both indexes exist and have at least their metapage
    expect(m.vectorIndexBytes).toBeGreaterThanOrEqual(8192);
    expect(m.postingsIndexBytes).toBeGreaterThanOrEqual(8192);
  });
});

describeEachDatabase('readAutovacuum', (ctx) => {
  it('reads whether autovacuum and the counters it needs are on', async () => {
    const { rows } = await ctx.db.query<{ a: string; t: string }>(`SELECT current_setting('autovacuum') AS a, current_setting('track_counts') AS t`);
    expect(await readAutovacuum(ctx.db)).toBe(rows[0]!.a === 'on' && rows[0]!.t === 'on');
  });
});

describeEachDatabase('the background worker without autovacuum', (ctx) => {
  /** Starts the part with the server's setting read as `autovacuum`; returns its stop and what it logged. */
  async function startPart(autovacuum: boolean) {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line).msg) });
    const app: AppContext = { db: ctx.db, config: loadConfig({}), log, services: new Map() };
    const stop = await upkeepWithoutAutovacuumPart(async () => autovacuum)(app);
    return { stop, lines };
  }
  const analyzed = async (table: string) =>
    (await ctx.db.query<{ n: number }>(`SELECT reltuples AS n FROM pg_class WHERE relname = $1`, [table])).rows[0]!.n;

  it('vacuums and analyzes what is written while it runs, on a server whose autovacuum is off', async () => {
    const { stop, lines } = await startPart(false);
    try {
      await ctx.db.exec(`CREATE TABLE worker_written (id int PRIMARY KEY); INSERT INTO worker_written SELECT generate_series(1, 3000)`);
      if (ctx.mode === 'embedded') {
        // the embedded database upkeeps itself: the worker starts no second loop
        expect(lines).toEqual([]);
        return;
      }
      expect(lines).toEqual(['autovacuum is off on this server: this worker vacuums and analyzes the tables Cité writes']);
      // never analyzed, the table's size is unknown (-1) until the worker's loop gets to it
      expect(await waitFor('the table analyzed', async () => ((await analyzed('worker_written')) === 3000 ? true : undefined), 20_000, 200)).toBe(true);
    } finally {
      await stop();
    }
  });

  it('leaves a server with autovacuum on to it', async () => {
    const { stop, lines } = await startPart(true);
    await stop();
    expect(lines).toEqual([]);
  });
});
