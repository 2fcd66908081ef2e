/**
 * Issue 25: waiting statements are served oldest request first. A request's later statements (those
 * run after its JSON body was parsed included) keep the age of the request (plus the time it has held
 * the database), so they pass the first statements of requests that arrived after it; in first-come
 * order they queued behind all of them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { Admission, inBackgroundLane } from '@cite/core/db/admission.js';
import { defineRoute } from '@cite/core/http/route.js';
import { availableModes, failWithoutServerUnderCi, openTestDatabase } from '@cite/core/testing/databases.js';
import { serveApp, type ServedApp } from '../testing/serve-app.js';

failWithoutServerUnderCi('statements served by request age');
for (const mode of availableModes()) {
  describe(`statements served by request age [${mode}]`, () => {
    const admission = new Admission({ limit: 1, queueMax: 10, queueTimeoutMs: 10_000 });
    let opened: Awaited<ReturnType<typeof openTestDatabase>>;
    let served: ServedApp;
    const order: string[] = [];

    beforeAll(async () => {
      opened = await openTestDatabase(mode, { admission });
      const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: 'memory://' });
      const twoStatements = defineRoute({
        method: 'post',
        path: '/test/two-statements',
        access: 'public',
        summary: 'Runs two statements one after the other',
        body: z.object({ name: z.string() }),
        handler: async ({ app, body }) => {
          // long enough for the previous request's next statement to queue meanwhile, with room for a
          // loaded machine (CI) to take a while between two requests' arrival
          await app.db.query('SELECT pg_sleep(0.3)');
          order.push(`${body.name} 1`);
          await app.db.query('SELECT 1');
          order.push(`${body.name} 2`);
          return {};
        },
      });
      served = await serveApp({ db: opened.db, config, log: pino({ level: 'silent' }), services: new Map() }, [twoStatements]);
    });
    afterAll(async () => {
      await served?.close();
      await opened?.dispose();
    });

    it("runs a started request's next statement before the first statement of a newer request", async () => {
      let release!: () => void;
      const blocker = new Promise<void>((r) => (release = r));
      // background work holds the one turn while three requests arrive, A first
      const held = inBackgroundLane(() =>
        opened.db.transaction(async (tx) => {
          await tx.query('SELECT 1');
          await blocker;
        }),
      );
      const responses: Promise<Response>[] = [];
      for (const name of ['A', 'B', 'C']) {
        // C arrives long after B: B's second statement keeps B's age plus the time B has held the database
        // (its first statement, 300 ms and whatever a loaded machine adds), so it is still the older
        if (name === 'C') await sleep(2_000);
        responses.push(
          fetch(`${served.url}/test/two-statements`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) }),
        );
        await expect.poll(() => admission.queued('request'), { timeout: 5_000, interval: 5 }).toBe(responses.length);
      }
      release();
      await held;
      const statuses = await Promise.all(responses.map(async (r) => (await r).status));
      expect(statuses).toEqual([200, 200, 200]);
      // A's second statement queued while B's first ran, and went before C's first (in arrival order of
      // statements it would be A1 B1 C1 A2 B2 C2)
      expect(order).toEqual(['A 1', 'B 1', 'A 2', 'B 2', 'C 1', 'C 2']);
    });
  });
}
