import { describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../testing/databases.js';
import { autovacuumAdvice, bufferCacheAdvice, readAutovacuum, readServerMemory } from './server-tuning.js';

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
