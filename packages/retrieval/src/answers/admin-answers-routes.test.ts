/** The review queue's list filters on a real engine over loopback: what PostgreSQL would refuse is a 400. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableModes } from '@cite/core/testing/databases.js';
import { startTestEngine, type TestEngine } from '@cite/app/testing/engine.js';

for (const mode of availableModes()) {
  describe(`GET /admin/api/answers filters [${mode}]`, () => {
    let e: TestEngine;
    beforeAll(async () => {
      e = await startTestEngine(mode);
    });
    afterAll(async () => {
      await e?.stop();
    });

    const list = (filter: unknown) =>
      e.fetch(`/admin/api/answers?filter=${encodeURIComponent(JSON.stringify(filter))}`, { role: 'evaluator' });

    it.each([
      ['a date', { created_at_gte: '0000-01-01' }],
      ['an instant', { created_at_lte: '0000-06-01T00:00:00Z' }],
    ])('refuses %s in year 0 (ISO 8601 has it, PostgreSQL does not: it was a 500)', async (_name, filter) => {
      const res = await list(filter);
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/year 0001/) });
    });

    it('takes the first and the last day PostgreSQL knows', async () => {
      const res = await list({ created_at_gte: '0001-01-01', created_at_lte: '9999-12-31T23:59:59-14:00' });
      expect(res.status).toBe(200);
    });
  });
}
