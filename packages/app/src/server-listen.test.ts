/**
 * An engine that cannot listen says why and what to do (a port taken by another engine, an address not
 * of this machine), closes what it opened, and leaves the engine already on that port serving.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { CiteError } from '@cite/core/errors.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { startEngine, type RunningEngine } from './server.js';

describeEachDatabase('an engine that cannot listen', (ctx) => {
  const config = (env: Record<string, string>) => loadConfig({ HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATA_DIR: 'memory://', ...env });
  let first: RunningEngine;

  beforeAll(async () => {
    first = await startEngine({ config: config({ PORT: '0' }), db: ctx.db, worker: false, announce: () => {} });
  });
  afterAll(async () => {
    await first?.stop();
  });

  it('refuses a port in use with PORT_IN_USE, and the engine on it keeps serving', async () => {
    const port = new URL(first.url).port;
    const second = startEngine({ config: config({ PORT: port }), db: ctx.db, worker: false, announce: () => {} });
    const error = await second.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CiteError);
    expect(error).toMatchObject({ code: 'PORT_IN_USE' });
    expect((error as Error).message).toContain(`127.0.0.1:${port} is already in use`);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
  });

  it('refuses a HOST that is not an address of this machine with HOST_NOT_AVAILABLE', async () => {
    // TEST-NET-1 (RFC 5737): never assigned to a machine
    const error = await startEngine({ config: config({ PORT: '0', HOST: '192.0.2.1' }), db: ctx.db, worker: false, announce: () => {} }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'HOST_NOT_AVAILABLE' });
  });
});
