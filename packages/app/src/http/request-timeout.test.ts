/**
 * Issue 18: the request timeout (REQUEST_TIMEOUT_MS) answers 503 and aborts the route's signal, so a slow
 * model call is cancelled instead of running on after the client was told the request failed.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlmClient } from '@cite/retrieval/answers/llm-client.js';
import { loadConfig } from '@cite/core/config/config.js';
import { isCiteError } from '@cite/core/errors.js';
import { availableModes, openTestDatabase } from '@cite/core/testing/databases.js';
import { startScriptedLlm, type ScriptedLlm } from '@cite/core/testing/scripted-llm.js';
import { serveApp, type ServedApp } from '../testing/serve-app.js';
import { defineRoute } from '@cite/core/http/route.js';

const TIMEOUT_MS = 1000;
const MODEL_DELAY_MS = 5000;

for (const mode of availableModes()) {
  describe(`request timeout aborts the route [${mode}]`, () => {
    let opened: Awaited<ReturnType<typeof openTestDatabase>>;
    let llm: ScriptedLlm;
    let served: ServedApp;
    const seen: { signal?: AbortSignal; outcome?: string; settledMs?: number } = {};

    beforeAll(async () => {
      opened = await openTestDatabase(mode);
      llm = await startScriptedLlm({ content: 'too late', delayMs: MODEL_DELAY_MS });
      const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: 'memory://', REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) });
      const client = new LlmClient({ baseUrl: llm.baseUrl, model: 'scripted', timeoutMs: 30_000, maxRetries: 0 });
      const slowModel = defineRoute({
        method: 'post',
        path: '/test/slow-model',
        access: 'public',
        summary: 'Calls a model slower than the request timeout',
        handler: async ({ signal }) => {
          seen.signal = signal;
          const started = Date.now();
          try {
            await client.complete({ messages: [{ role: 'user', content: 'slow' }], signal });
            seen.outcome = 'completed';
          } catch (e) {
            seen.outcome = isCiteError(e) ? e.code : String(e);
          }
          seen.settledMs = Date.now() - started;
          return { outcome: seen.outcome };
        },
      });
      served = await serveApp({ db: opened.db, config, log: pino({ level: 'silent' }), services: new Map() }, [slowModel]);
    });
    afterAll(async () => {
      await served?.close();
      await llm?.close();
      await opened?.dispose();
    });

    it('answers 503 REQUEST_TIMEOUT and cancels the model request', async () => {
      const t0 = performance.now();
      const res = await fetch(`${served.url}/test/slow-model`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const elapsed = performance.now() - t0;
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 'REQUEST_TIMEOUT' });
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(elapsed).toBeLessThan(MODEL_DELAY_MS);

      // the route's signal is aborted with the timeout, and the model call stops with it
      await expect.poll(() => seen.outcome, { timeout: 2000 }).toBe('REQUEST_ABORTED');
      expect(seen.signal?.aborted).toBe(true);
      expect(String((seen.signal?.reason as Error | undefined)?.message)).toContain(`longer than ${TIMEOUT_MS} ms`);
      expect(seen.settledMs).toBeLessThan(MODEL_DELAY_MS);
      // the model server saw its request's connection closed before it answered
      expect(llm.requests).toHaveLength(1);
      await expect.poll(() => llm.abandoned, { timeout: 2000 }).toEqual([0]);
    });
  });
}
