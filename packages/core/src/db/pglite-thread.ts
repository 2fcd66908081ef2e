/**
 * The embedded PostgreSQL (PGlite) in a worker thread of its own, reached by node-postgres through a
 * socket-like stream that carries the wire protocol. PGlite computes in WebAssembly on the thread that
 * calls it: on the engine's thread, a crawl spent 60% of it waiting for the database and the crawler's own
 * work (fetching, parsing, chunking, embedding) waited in turn. On its own thread the two overlap, and the
 * HTTP server stays responsive while the database works.
 *
 * The stream hands each batch of messages node-postgres writes (a statement's Parse/Bind/Execute/Sync come
 * corked, as one batch) to the thread, which answers with the backend's messages; batches are answered in
 * the order they were sent. PGlite answers the startup message itself, as it does for pglite-socket; the
 * thread first gives the new connection a new session (PGlite has one backend for all connections).
 */
import { Duplex } from 'node:stream';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { CiteError } from '../errors.js';
import { MIN_SHARED_BUFFERS_MB } from './embedded-buffers.js';
import { workerResourceLimits } from '../system/thread-heap.js';

type FromThread =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'reply'; bytes: Uint8Array }
  | { type: 'error'; message: string }
  | { type: 'closed'; message?: string };

interface Waiting {
  resolve(bytes: Uint8Array): void;
  reject(e: Error): void;
}

export class PgliteThread {
  private readonly waiting: Waiting[] = [];
  private closing: Promise<void> | undefined;
  private onClosed: (() => void) | undefined;
  private dead: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: FromThread) => {
      if (m.type === 'reply') this.settle((w) => w.resolve(m.bytes));
      else if (m.type === 'error') this.settle((w) => w.reject(new Error(`embedded database: ${m.message}`)));
      else if (m.type === 'closed') this.onClosed?.();
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`embedded database thread exited (code ${code})`)));
    this.keepAlive();
  }

  /** The thread's V8 limits, as node reports those it was started with. */
  get resourceLimits(): ResourceLimits {
    return this.worker.resourceLimits ?? {};
  }

  /** Idle, the thread does not keep the process alive; a statement waiting for it, or its closing, does. */
  private keepAlive(): void {
    if (this.waiting.length > 0 || this.onClosed) this.worker.ref();
    else this.worker.unref();
  }

  /**
   * Starts the thread and opens the database (`dataDir` undefined: in memory). A new database is a copy of
   * `template` (a tarball of `dump()`) when one is given, else PGlite creates it (initdb). `sharedBuffersMb`:
   * its buffer cache (embedded-buffers.ts).
   */
  static async start(dataDir: string | undefined, template?: Uint8Array, sharedBuffersMb = MIN_SHARED_BUFFERS_MB): Promise<PgliteThread> {
    // execArgv [] keeps tsx's hooks out of the thread (the file is plain JavaScript)
    const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), {
      execArgv: [],
      workerData: { dataDir, template, sharedBuffersMb },
      resourceLimits: workerResourceLimits(),
    });
    const first = await new Promise<FromThread>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    }).catch((e: Error) => ({ type: 'failed' as const, message: e.message }));
    if (first.type !== 'ready') {
      await worker.terminate();
      throw new CiteError('DATABASE_OPEN_FAILED', `Could not open the embedded database${dataDir ? ` in ${dataDir}` : ''}: ${'message' in first ? first.message : first.type}`);
    }
    return new PgliteThread(worker);
  }

  /**
   * Runs a batch of frontend messages; resolves with the backend's messages. The buffers are copied once,
   * into one the thread then owns (node-postgres' buffers may share a pooled slab).
   */
  exec(chunks: readonly Uint8Array[]): Promise<Uint8Array> {
    if (this.dead) return Promise.reject(this.dead);
    const own = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
    let at = 0;
    for (const c of chunks) {
      own.set(c, at);
      at += c.byteLength;
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.keepAlive();
      this.worker.postMessage({ type: 'exec', bytes: own }, [own.buffer]);
    });
  }

  /** The data directory as a tarball (checkpointed), to start other databases from with `start`. */
  dump(): Promise<Uint8Array> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise<Uint8Array>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.keepAlive();
      this.worker.postMessage({ type: 'dump' });
    });
  }

  /** A new stream for one node-postgres connection. */
  socket(): Duplex {
    return new PgliteSocket(this);
  }

  /** Closes the database (checkpoint included) and stops the thread. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      if (!this.dead) {
        await new Promise<void>((resolve) => {
          this.onClosed = resolve;
          this.keepAlive();
          this.worker.postMessage({ type: 'close' });
          this.worker.once('exit', () => resolve());
        });
      }
      this.dead ??= new Error('embedded database closed');
      await this.worker.terminate();
    })());
  }

  private settle(f: (w: Waiting) => void): void {
    const w = this.waiting.shift();
    this.keepAlive();
    if (w) f(w);
  }

  private fail(e: Error): void {
    this.dead ??= e;
    for (const w of this.waiting.splice(0)) w.reject(e);
  }
}

/**
 * What node-postgres needs of a socket: connect, the Duplex (written batches go to the thread, its replies
 * come out as data), and no-op TCP settings.
 */
class PgliteSocket extends Duplex {
  constructor(private readonly thread: PgliteThread) {
    super({ allowHalfOpen: false });
  }

  connect(): this {
    setImmediate(() => this.emit('connect'));
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (e?: Error | null) => void): void {
    this.send([chunk], done);
  }

  override _writev(chunks: { chunk: Buffer }[], done: (e?: Error | null) => void): void {
    this.send(chunks.map((c) => c.chunk), done);
  }

  override _final(done: (e?: Error | null) => void): void {
    this.push(null);
    done();
  }

  /** The next batch is sent once this one is answered: what is written meanwhile goes as one batch. */
  private send(chunks: Buffer[], done: (e?: Error | null) => void): void {
    this.thread.exec(chunks).then(
      (reply) => {
        if (reply.byteLength) this.push(Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength));
        done();
      },
      (e: Error) => done(e),
    );
  }
}
