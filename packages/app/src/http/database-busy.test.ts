/**
 * A full database queue is the engine's refusal, 503 DATABASE_BUSY with Retry-After, on every route that
 * reaches the database: search and answers wrapped it into their own 500 (SEARCH_FAILED), which lost the
 * Retry-After a client waits by and logged a server error for a busy minute.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '../testing/engine.js';

for (const mode of availableModes()) {
  describe(`a full database queue [${mode}]`, () => {
    let e: TestEngine;
    beforeAll(async () => {
      // one statement at a time, one request waiting: a burst overflows at once
      e = await startTestEngine(mode, { DATABASE_MAX_ACTIVE: '1', DATABASE_QUEUE_MAX: '1', RATE_LIMIT_PER_MINUTE: '100000' }, { admission: true });
    });
    afterAll(async () => e?.stop());

    it.each([
      ['/v1/search', { query: 'préavis de démission du salarié' }],
      ['/v1/answers', { question: 'Quelle est la durée du préavis de démission ?' }],
    ])('%s answers 503 DATABASE_BUSY with Retry-After, never 500', async (path, body) => {
      // warm: the key and the index statistics are then cached, and the refusals land on the search itself
      // (once the previous burst's work is over)
      await vi.waitFor(async () => expect((await e.fetch(path, { body, role: 'agent' })).status).toBe(200), { timeout: 10_000, interval: 200 });
      const responses = await Promise.all(Array.from({ length: 120 }, () => e.fetch(path, { body, role: 'agent' })));
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
      const busy = responses.filter((r) => r.status === 503);
      expect(busy.length).toBeGreaterThan(0);
      for (const r of busy) {
        expect(await r.json()).toMatchObject({ code: 'DATABASE_BUSY' });
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
    });
  });
}
