/**
 * Admission control in front of the database (issue 25). PostgreSQL's throughput on a small machine
 * collapses once more backends run than it has cores (measured: bare HNSW top-100 at 306 tps with 2
 * clients, 81 with 16), so the number of statements in flight is held to a limit that follows the
 * machine, and the rest wait in a bounded queue with a deadline. Requests are served before background
 * work (crawl writes, evaluation runs) whenever both wait, so a crawl cannot starve searches.
 *
 * The lane comes from the async context: `inBackgroundLane` marks everything a background part starts
 * (timers and promises inherit it); anything else is a request. A statement run while its context
 * already holds a permit (inside a transaction's callback) does not ask again: it could otherwise wait
 * for a permit its own caller holds.
 *
 * Waiting requests are served oldest request first, not oldest statement first: `asRequestStartedAt`
 * tells the statements of an HTTP request when that request arrived. A request runs several statements
 * one after the other (its key, then a search; the dashboard seven), and in first-come order each of them
 * queued again behind every request that arrived meanwhile: under 32 clients the seven-statement
 * dashboard took 0.7 s at the median while a one-statement search took 0.2. Served by age, a request
 * that has started finishes before newer ones begin; the work done is the same, its spread is smaller.
 * A request's age is its arrival plus the time it has held the database: an upload writing documents
 * for a minute drifts back among the requests that arrive meanwhile instead of taking every other turn.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CiteError } from '../errors.js';

export type Lane = 'request' | 'background';

export interface AdmissionOptions {
  /** Statements in flight at most. */
  limit: number;
  /** Requests waiting at most; one more is refused at once (background work always waits). */
  queueMax: number;
  /** How long a request waits for its turn before it is refused (background work always waits). */
  queueTimeoutMs: number;
  /**
   * Connections that take statements pipelined (pipelined-connections.ts), each up to `depth` statements
   * at once, one running and the others waiting in its socket. They count for one statement in flight each,
   * however many they hold: the limit holds the backends at work, and a backend that finishes one
   * statement finds the next already there. Unset: a pipelined statement counts as any other.
   */
  pipeline?: { connections: number; depth: number };
}

/** How a statement reaches the database: a pooled connection of its own, or a pipelined one. */
export type StatementKind = 'statement' | 'pipelined';

export interface AdmissionObserver {
  queued(lane: Lane, depth: number): void;
  admitted(lane: Lane, waitedMs: number): void;
  refused(lane: Lane, reason: 'queue_full' | 'timeout'): void;
}

interface Waiter {
  lane: Lane;
  kind: StatementKind;
  /** The queue's order: its request's arrival plus the time that request has held the database. */
  age: number;
  queuedAt: number;
  grant: () => void;
  timer?: NodeJS.Timeout;
}

/** What the statements of one request share: their place in the queue. */
interface RequestClock {
  /** When the request arrived (performance.now()). */
  startedAt: number;
  /** Time its statements (and transactions) have held a permit, ms. */
  heldMs: number;
}

interface Context {
  lane: Lane;
  holding: boolean;
  /** Unset: each statement counts as a request of its own, arriving as it asks. */
  request?: RequestClock;
}

const context = new AsyncLocalStorage<Context>();

/** Runs `fn` (and everything it schedules) as background work: it yields to requests at the database. */
export function inBackgroundLane<T>(fn: () => T): T {
  return context.run({ lane: 'background', holding: false }, fn);
}

/**
 * Runs `fn` (and everything it schedules) as part of a request that arrived at `startedAt`
 * (performance.now()): its statements wait only behind those of requests that arrived before it.
 */
export function asRequestStartedAt<T>(startedAt: number, fn: () => T): T {
  return context.run({ lane: 'request', holding: false, request: { startedAt, heldMs: 0 } }, fn);
}

export function currentLane(): Lane {
  return context.getStore()?.lane ?? 'request';
}

export class Admission {
  /** Statements in flight on connections of their own. */
  private active = 0;
  /** Statements in flight on the pipelined connections. */
  private pipelined = 0;
  private readonly waiting: Record<Lane, Waiter[]> = { request: [], background: [] };

  constructor(
    readonly options: AdmissionOptions,
    private readonly observer?: AdmissionObserver,
  ) {
    if (!(options.limit >= 1)) throw new RangeError('admission limit must be at least 1');
    const pipeline = options.pipeline;
    if (pipeline && !(pipeline.connections >= 1 && pipeline.depth >= 1)) throw new RangeError('a pipeline needs at least one connection of depth 1');
  }

  get inFlight(): number {
    return this.active + this.pipelined;
  }

  queued(lane: Lane): number {
    return this.waiting[lane].length;
  }

  /**
   * Runs `fn` once admitted; re-entrant within the context that holds the permit. `kind` 'pipelined': `fn`
   * sends its statement on one of the pipelined connections (the least busy, pipelined-connections.ts).
   */
  async run<T>(fn: () => Promise<T>, kind: StatementKind = 'statement'): Promise<T> {
    const ctx = context.getStore();
    if (ctx?.holding) return fn();
    const lane = ctx?.lane ?? 'request';
    const request = ctx?.request;
    if (!this.options.pipeline) kind = 'statement';
    await this.acquire(lane, kind, request ? request.startedAt + request.heldMs : performance.now());
    const granted = performance.now();
    let handedOver: boolean;
    let result: T;
    try {
      result = await context.run({ lane, holding: true, request }, fn);
    } finally {
      if (request) request.heldMs += performance.now() - granted;
      handedOver = this.release(kind);
    }
    // The statement's caller goes on at the next turn of the event loop when its permit went to a waiting
    // one: the waiter's statement is then sent first. Otherwise the finished request's own work (its rows
    // turned into hits, its response serialized and written: ~0.5 ms) came before it, and the connection
    // stood idle meanwhile. Measured with bench:search's client (c=16, 2 statements in flight, 2 cores): a
    // connection's wait between two statements 1.2–2.2 → 0.4–1.0 ms; +7–10% requests/s (two engines on one
    // database, 6 alternated rounds: 100,000 synthetic chunks, twice, and the labour-law index). Without a
    // waiter (a quiet engine) nothing waits.
    if (handedOver) await nextTurn();
    return result;
  }

  /**
   * Backends at work once a statement of `kind` is added: those of the statements on connections of their
   * own, and one per pipelined connection in use. The pipelined connections take each statement on the least
   * busy one, so n statements keep min(n, connections) of them in use, or fewer: the count may be high,
   * never low.
   */
  private fits(kind: StatementKind): boolean {
    const pipeline = this.options.pipeline;
    if (!pipeline) return this.active + 1 <= this.options.limit;
    const pipelined = this.pipelined + (kind === 'pipelined' ? 1 : 0);
    if (pipelined > pipeline.connections * pipeline.depth) return false;
    return this.active + (kind === 'statement' ? 1 : 0) + Math.min(pipelined, pipeline.connections) <= this.options.limit;
  }

  private take(kind: StatementKind): void {
    if (kind === 'pipelined') this.pipelined++;
    else this.active++;
  }

  private acquire(lane: Lane, kind: StatementKind, age: number): Promise<void> {
    if (this.fits(kind) && this.waiting.request.length === 0 && (lane === 'request' || this.waiting.background.length === 0)) {
      this.take(kind);
      this.observer?.admitted(lane, 0);
      return Promise.resolve();
    }
    const queue = this.waiting[lane];
    if (lane === 'request' && queue.length >= this.options.queueMax) {
      this.observer?.refused(lane, 'queue_full');
      return Promise.reject(busy(`the database is busy: ${queue.length} requests are already waiting`, this.options.queueTimeoutMs));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { lane, kind, age, queuedAt: performance.now(), grant: resolve };
      if (lane === 'request') {
        waiter.timer = setTimeout(() => {
          const i = queue.indexOf(waiter);
          if (i < 0) return;
          queue.splice(i, 1);
          this.observer?.queued(lane, queue.length);
          this.observer?.refused(lane, 'timeout');
          reject(busy(`the database is busy: no turn within ${this.options.queueTimeoutMs} ms`, this.options.queueTimeoutMs));
        }, this.options.queueTimeoutMs);
        waiter.timer.unref?.();
      }
      // oldest request first; among equals (background work, statements of one request) in arrival order
      queue.splice(insertionPoint(queue, age), 0, waiter);
      this.observer?.queued(lane, queue.length);
    });
  }

  /**
   * Gives the permit back, and admits the waiters at the head of the queue while they fit; true when one
   * did. Only the head: a statement that needs a backend of its own (none is free while the pipelined
   * connections are all in use) is not passed by younger pipelined ones, which would keep them in use.
   */
  private release(kind: StatementKind): boolean {
    if (kind === 'pipelined') this.pipelined--;
    else this.active--;
    let admitted = false;
    for (;;) {
      // requests first: background work takes a turn only when no request waits
      const queue = this.waiting.request.length ? this.waiting.request : this.waiting.background;
      const next = queue[0];
      if (!next || !this.fits(next.kind)) return admitted;
      queue.shift();
      if (next.timer) clearTimeout(next.timer);
      this.take(next.kind);
      this.observer?.queued(next.lane, queue.length);
      this.observer?.admitted(next.lane, performance.now() - next.queuedAt);
      next.grant();
      admitted = true;
    }
  }
}

/** The first position whose waiter is younger than `age` (a binary search: the queue is kept in age order). */
function insertionPoint(queue: Waiter[], age: number): number {
  let lo = 0;
  let hi = queue.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (queue[mid]!.age <= age) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function busy(message: string, timeoutMs: number): CiteError {
  return new CiteError('DATABASE_BUSY', `${message}; try again shortly`, {
    status: 503,
    retryable: true,
    retryAfterSeconds: Math.max(1, Math.ceil(timeoutMs / 1000)),
  });
}

/** The limit when the configuration leaves it to the machine: one statement per core, at least two. */
export function defaultAdmissionLimit(mode: 'embedded' | 'server', cores: number, poolSize: number): number {
  // PGlite runs one backend: more in flight only queue inside its thread
  if (mode === 'embedded') return 1;
  return Math.max(1, Math.min(poolSize, Math.max(2, cores)));
}
