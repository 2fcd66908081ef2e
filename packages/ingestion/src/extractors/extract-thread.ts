/**
 * A reader running in a worker thread of its own, one document at a time (PDFs: pdf-thread.ts, DOCX:
 * docx-thread.ts, large HTML pages: html-thread.ts). The thread is what makes a hostile file harmless: a
 * reader that loops is stopped by terminating it at the deadline (a timer cannot interrupt a synchronous
 * loop on the main thread), and a reader that allocates without end reaches the thread's heap limit, which
 * ends the thread, not the process. The main thread's event loop stays free meanwhile. The thread starts
 * with the first document and does not keep the process alive when idle.
 */
import { Worker } from 'node:worker_threads';
import { workerResourceLimits } from '@cite/core/system/thread-heap.js';

/**
 * What the worker posts when its reader failed; `tooComplex`: it refused the file for its limits; `code`
 * and `status`: the reader's own CiteError.
 */
export interface ThreadError {
  name: string;
  message: string;
  tooComplex?: true;
  code?: string;
  status?: number;
}

export interface ExtractThreadSpec {
  /** The worker's file: plain JavaScript, run without tsx's hooks (a worker that needs them registers them). */
  url: URL;
  /** Old-generation heap of the thread (MB): a file needing more is refused, not the process killed. */
  heapMb: number;
  /** The errors callers see, for each way a reading can end badly. */
  errors: {
    fromWorker: (e: ThreadError) => Error;
    outOfMemory: (cause: Error) => Error;
    timeout: () => Error;
    /** The thread stopped or failed otherwise (its exit, a worker error). */
    failed: (e: Error) => Error;
    /** Too many documents already wait for the thread (EXTRACT_THREAD_MAX_WAITING). */
    busy: () => Error;
  };
}

/** The bytes as an ArrayBuffer of their own, to transfer to a thread: the caller's buffer stays whole. */
export function transferableCopy(data: Buffer): ArrayBuffer {
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
}

interface Job<Out> {
  message: Record<string, unknown>;
  transfer: ArrayBuffer[];
  deadline: number;
  resolve: (r: Out) => void;
  reject: (e: Error) => void;
  /** Rejects the job at its deadline, waiting or running. */
  timer?: NodeJS.Timeout;
}

/**
 * Documents waiting for the thread (each holds a copy of its bytes, up to CRAWLER_MAX_BYTES): past it, a
 * new one is refused at once (`errors.busy`, retryable) rather than held until its deadline.
 */
export const EXTRACT_THREAD_MAX_WAITING = 8;

export class ExtractThread<Out extends object> {
  private worker: Worker | null = null;
  private readonly queue: Job<Out>[] = [];
  /** The job the thread is reading, and the thread reading it: an answer from any other thread is stale. */
  private running: { job: Job<Out>; worker: Worker } | null = null;

  constructor(private readonly spec: ExtractThreadSpec) {}

  /**
   * Posts `message` (transferring `transfer`) and resolves with the worker's answer, by `deadline` (epoch
   * ms): the time spent waiting for the thread counts, and a job still waiting at its deadline is refused then.
   */
  run(message: Record<string, unknown>, transfer: ArrayBuffer[], deadline: number): Promise<Out> {
    return new Promise((resolve, reject) => {
      if (this.queue.length >= EXTRACT_THREAD_MAX_WAITING) return reject(this.spec.errors.busy());
      const job: Job<Out> = { message, transfer, deadline, resolve, reject };
      job.timer = setTimeout(() => this.expire(job), Math.max(0, deadline - Date.now()));
      this.queue.push(job);
      this.next();
    });
  }

  private next(): void {
    while (!this.running && this.queue.length) {
      const job = this.queue.shift()!;
      let worker: Worker;
      try {
        worker = this.start();
      } catch (e) {
        clearTimeout(job.timer);
        job.reject(e as Error);
        continue;
      }
      this.running = { job, worker };
      worker.ref();
      worker.postMessage(job.message, job.transfer);
    }
  }

  /** A job's deadline: refused where it is; a reading in progress is stopped with its thread. */
  private expire(job: Job<Out>): void {
    const waiting = this.queue.indexOf(job);
    if (waiting !== -1) {
      this.queue.splice(waiting, 1);
      job.reject(this.spec.errors.timeout());
    } else if (this.running?.job === job) {
      this.finish(this.running.worker, this.spec.errors.timeout(), true);
    }
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const { errors } = this.spec;
    // execArgv [] keeps tsx's hooks out of the thread (the file is plain JavaScript)
    const worker = new Worker(this.spec.url, {
      execArgv: [],
      resourceLimits: workerResourceLimits({ maxOldGenerationSizeMb: this.spec.heapMb }),
    });
    // Every event names its thread: an answer posted by a thread that was then stopped at its job's deadline
    // (it reaches this thread after the stop) must not settle the next job, read by a new thread.
    worker.on('message', (m: Out | { error: ThreadError }) => {
      this.finish(worker, 'error' in m ? errors.fromWorker(m.error) : m, false);
    });
    worker.on('error', (e: Error & { code?: string }) => {
      if (this.worker === worker) this.worker = null;
      this.finish(worker, e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? errors.outOfMemory(e) : errors.failed(e), false);
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = null;
      this.finish(worker, errors.failed(new Error('the reading thread stopped')), false);
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /**
   * Settles the job `worker` is reading, if it is still the running one (else the event is stale and
   * ignored); `terminate` discards the thread (stuck past the deadline).
   */
  private finish(worker: Worker, outcome: Out | Error, terminate: boolean): void {
    if (this.running?.worker !== worker) return;
    const { job } = this.running;
    this.running = null;
    clearTimeout(job.timer);
    if (terminate) {
      if (this.worker === worker) this.worker = null;
      void worker.terminate();
    }
    this.worker?.unref();
    if (outcome instanceof Error) job.reject(outcome);
    else job.resolve(outcome);
    this.next();
  }
}
