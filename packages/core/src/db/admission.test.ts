import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CiteError } from '../errors.js';
import { availableModes, failWithoutServerUnderCi } from '../testing/databases.js';
import { startTestEngine, type TestEngine } from '@cite/app/testing/engine.js';
import { Admission, asRequestStartedAt, currentLane, defaultAdmissionLimit, inBackgroundLane, type Lane, type StatementKind } from './admission.js';

/** The most of `count` statements (5 ms each, all asked at once) that `admission` let run together. */
async function peakInFlight(admission: Admission, count: number, kind?: StatementKind): Promise<number> {
  let inFlight = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: count }, () =>
      admission.run(async () => {
        peak = Math.max(peak, ++inFlight);
        await sleep(5);
        inFlight--;
      }, kind),
    ),
  );
  return peak;
}

/** A task that stays in flight until `release()` and records when it started. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { release: () => open(), wait: () => opened };
}

describe('admission control', () => {
  it('holds statements in flight to the limit', async () => {
    const admission = new Admission({ limit: 2, queueMax: 100, queueTimeoutMs: 5_000 });
    expect(await peakInFlight(admission, 8)).toBe(2);
    expect(admission.inFlight).toBe(0);
  });

  it('serves waiting requests before waiting background work', async () => {
    const admission = new Admission({ limit: 1, queueMax: 100, queueTimeoutMs: 5_000 });
    const blocker = gate();
    const order: string[] = [];
    const held = admission.run(() => blocker.wait());
    const background = inBackgroundLane(() => [1, 2].map((n) => admission.run(async () => void order.push(`background ${n}`))));
    const request = admission.run(async () => void order.push('request'));
    expect(admission.queued('background')).toBe(2);
    expect(admission.queued('request')).toBe(1);
    blocker.release();
    await Promise.all([held, ...background, request]);
    expect(order).toEqual(['request', 'background 1', 'background 2']);
  });

  it('serves waiting requests oldest request first, whatever the order their statements came in', async () => {
    const admission = new Admission({ limit: 1, queueMax: 100, queueTimeoutMs: 5_000 });
    const blocker = gate();
    const order: string[] = [];
    const held = admission.run(() => blocker.wait());
    const now = performance.now();
    const ask = (name: string) => admission.run(async () => void order.push(name));
    const waiting = [
      asRequestStartedAt(now, () => ask('newer')),
      asRequestStartedAt(now - 50, () => ask('older')),
      // outside any request: a request arriving as it asks, the youngest
      ask('no request'),
      asRequestStartedAt(now, () => ask('newer, its next statement')),
      inBackgroundLane(() => ask('background')),
      asRequestStartedAt(now - 100, () => ask('oldest')),
    ];
    expect(admission.queued('request')).toBe(5);
    blocker.release();
    await Promise.all([held, ...waiting]);
    expect(order).toEqual(['oldest', 'older', 'newer', 'newer, its next statement', 'no request', 'background']);
  });

  it("counts the time a request has held the database into its age: a long writer drifts back behind newer requests", async () => {
    const admission = new Admission({ limit: 1, queueMax: 100, queueTimeoutMs: 5_000 });
    const order: string[] = [];
    const now = performance.now();
    const firstDone = gate();
    const proceed = gate();
    // arrived 100 ms ago and has since held the database for 150 ms: its age is now + ~50 ms
    const writer = asRequestStartedAt(now - 100, async () => {
      await admission.run(() => sleep(150));
      firstDone.release();
      await proceed.wait();
      await admission.run(async () => void order.push('writer, its next statement'));
    });
    await firstDone.wait();
    const blocker = gate();
    const held = admission.run(() => blocker.wait());
    proceed.release();
    await expect.poll(() => admission.queued('request')).toBe(1);
    // arrived after the writer, before the writer's age
    const newer = asRequestStartedAt(now, () => admission.run(async () => void order.push('newer request')));
    expect(admission.queued('request')).toBe(2);
    blocker.release();
    await Promise.all([held, writer, newer]);
    expect(order).toEqual(['newer request', 'writer, its next statement']);
  });

  it("sends the next waiter's statement before the finished statement's caller goes on; a quiet engine does not wait", async () => {
    const admission = new Admission({ limit: 1, queueMax: 100, queueTimeoutMs: 5_000 });
    const order: string[] = [];
    const blocker = gate();
    // the caller of the first statement: its work after the rows (hits, the response) is logged as it resumes
    const first = admission.run(() => blocker.wait()).then(() => void order.push('first caller goes on'));
    // the waiter reaches the database as a pooled connection does: pg-pool hands an idle one over on a nextTick
    const second = admission.run(async () => {
      await new Promise<void>((r) => process.nextTick(r));
      order.push('second statement sent');
    });
    blocker.release();
    await Promise.all([first, second]);
    expect(order).toEqual(['second statement sent', 'first caller goes on']);

    // nobody waiting: the caller goes on in the same turn, before anything scheduled for the next one
    const quiet: string[] = [];
    const immediate = new Promise<void>((r) => setImmediate(() => (quiet.push('next turn'), r())));
    await admission.run(async () => {}).then(() => void quiet.push('caller goes on'));
    await immediate;
    expect(quiet).toEqual(['caller goes on', 'next turn']);
  });

  it('lets pipelined statements run as deep as their connections take, each busy connection counting as one in flight', async () => {
    const admission = new Admission({ limit: 2, queueMax: 100, queueTimeoutMs: 5_000, pipeline: { connections: 2, depth: 2 } });
    const gates = Array.from({ length: 6 }, gate);
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      admission.run(async () => {
        started.push(i);
        await g.wait();
      }, 'pipelined'),
    );
    await sleep(5);
    // two connections two deep: four sent, the other two wait
    expect(started).toEqual([0, 1, 2, 3]);
    expect(admission.inFlight).toBe(4);
    expect(admission.queued('request')).toBe(2);
    gates[0]!.release();
    await sleep(5);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    for (const g of gates) g.release();
    await Promise.all(runs);
    expect(admission.inFlight).toBe(0);

    // without pipelined connections, a statement said to be pipelined counts as any other
    const plain = new Admission({ limit: 2, queueMax: 100, queueTimeoutMs: 5_000 });
    expect(await peakInFlight(plain, 6, 'pipelined')).toBe(2);
  });

  it('keeps the limit of backends at work: a statement of its own waits for a pipelined connection to empty, and younger pipelined ones do not pass it', async () => {
    const admission = new Admission({ limit: 2, queueMax: 100, queueTimeoutMs: 5_000, pipeline: { connections: 2, depth: 2 } });
    const order: string[] = [];
    const now = performance.now();
    const held = Array.from({ length: 4 }, gate);
    const pipelined = held.map((g, i) => asRequestStartedAt(now - 100 + i, () => admission.run(() => g.wait(), 'pipelined')));
    // two connections in use: no backend is free for a statement of its own
    const own = gate();
    const ownRun = asRequestStartedAt(now - 50, () => admission.run(async () => (order.push('own statement'), own.wait())));
    const younger = asRequestStartedAt(now, () => admission.run(async () => void order.push('younger pipelined'), 'pipelined'));
    await sleep(5);
    held[0]!.release();
    held[1]!.release();
    await sleep(5);
    // two pipelined left, on two connections or one: the count says two, so nothing more runs yet
    expect(order).toEqual([]);
    held[2]!.release();
    await sleep(5);
    // one pipelined connection in use, one backend free: the statement of its own runs, the younger one still waits
    expect(order).toEqual(['own statement']);
    expect(admission.queued('request')).toBe(1);
    own.release();
    held[3]!.release();
    await Promise.all([...pipelined, ownRun, younger]);
    expect(order).toEqual(['own statement', 'younger pipelined']);
    expect(admission.inFlight).toBe(0);
  });

  it('refuses a request at once when the queue is full: 503 DATABASE_BUSY with a retry delay', async () => {
    const admission = new Admission({ limit: 1, queueMax: 1, queueTimeoutMs: 2_000 });
    const blocker = gate();
    const held = admission.run(() => blocker.wait());
    const queued = admission.run(async () => 'ran');
    const refused = await admission.run(async () => 'ran').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CiteError);
    expect(refused).toMatchObject({ code: 'DATABASE_BUSY', status: 503, retryable: true, retryAfterSeconds: 2 });
    blocker.release();
    expect(await queued).toBe('ran');
    await held;
  });

  it('refuses a request that waited past the deadline; background work keeps waiting', async () => {
    const admission = new Admission({ limit: 1, queueMax: 10, queueTimeoutMs: 50 });
    const blocker = gate();
    const held = admission.run(() => blocker.wait());
    const started = performance.now();
    const request = admission.run(async () => 'ran').catch((e: unknown) => e);
    const background = inBackgroundLane(() => admission.run(async () => 'background ran'));
    const refused = await request;
    expect(refused).toMatchObject({ code: 'DATABASE_BUSY' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(admission.queued('request')).toBe(0);
    await sleep(100); // well past the deadline: background work is still queued, not refused
    expect(admission.queued('background')).toBe(1);
    blocker.release();
    expect(await background).toBe('background ran');
    await held;
  });

  it('does not ask again for a statement run while its context holds a permit (a transaction callback)', async () => {
    const admission = new Admission({ limit: 1, queueMax: 10, queueTimeoutMs: 200 });
    const inner = await admission.run(() => admission.run(async () => 'nested ran'));
    expect(inner).toBe('nested ran');
  });

  it('keeps the background lane across timers and promises a background part schedules', async () => {
    const seen: Lane[] = [];
    await inBackgroundLane(async () => {
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          seen.push(currentLane());
          resolve();
        }, 1),
      );
      await Promise.resolve().then(() => seen.push(currentLane()));
    });
    seen.push(currentLane());
    expect(seen).toEqual(['background', 'background', 'request']);
  });

  it('follows the machine unless configured: one per core (at least 2, at most the pool), 1 embedded', () => {
    expect(defaultAdmissionLimit('server', 2, 10)).toBe(2);
    expect(defaultAdmissionLimit('server', 1, 10)).toBe(2);
    expect(defaultAdmissionLimit('server', 16, 10)).toBe(10);
    expect(defaultAdmissionLimit('embedded', 16, 1)).toBe(1);
  });
});

failWithoutServerUnderCi('admission over HTTP');
for (const mode of availableModes()) {
  describe(`admission over HTTP [${mode}]`, () => {
    let e: TestEngine;
    beforeAll(async () => {
      e = await startTestEngine(mode, { DATABASE_MAX_ACTIVE: '1', DATABASE_QUEUE_TIMEOUT_MS: '300' }, { admission: true });
    });
    afterAll(async () => {
      await e?.stop();
    });

    it('answers 503 DATABASE_BUSY with Retry-After while background work holds the database past the deadline, then serves again', async () => {
      const blocker = gate();
      // a background transaction (a crawl write, say) holds the one turn
      const held = inBackgroundLane(() =>
        e.db.transaction(async (tx) => {
          await tx.query('SELECT 1');
          await blocker.wait();
        }),
      );
      await sleep(20);
      const busy = await e.fetch('/v1/search', { body: { query: 'congé', k: 3 }, role: 'agent' });
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(await busy.json()).toMatchObject({ code: 'DATABASE_BUSY' });
      blocker.release();
      await held;

      const served = await e.fetch('/v1/search', { body: { query: 'congé', k: 3 }, role: 'agent' });
      expect(served.status).toBe(200);
      const metrics = await (await e.fetch('/metrics')).text();
      expect(metrics).toMatch(/cite_db_admission_refused_total\{lane="request",reason="timeout"\} [1-9]/);
      expect(metrics).toMatch(/cite_db_admission_wait_seconds_count\{lane="request"\} [1-9]/);
      expect(metrics).toMatch(/cite_db_admission_queue_depth\{lane="request"\} 0/);
    });
  });
}
