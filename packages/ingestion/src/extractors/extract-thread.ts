/**
 * A reader running in a worker thread of its own, one document at a time (PDFs: pdf-thread.ts, DOCX:
 * docx-thread.ts, large HTML pages: html-thread.ts). The thread is what makes a hostile file harmless: a
 * reader that loops is stopped by terminating it at the deadline (a timer cannot interrupt a synchronous
 * loop on the main thread), and a reader that allocates without end reaches the thread's heap limit, which
 * ends the thread, not the process. The main thread's event loop stays free meanwhile. The thread starts with the first document
 * and does not keep the process alive when idle.
 */
import { Worker } from 'node:worker_threads';

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
}

export class ExtractThread<Out extends object> {
  private worker: Worker | null = null;
  private readonly queue: Job<Out>[] = [];
  private running: Job<Out> | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly spec: ExtractThreadSpec) {}

  /** Posts `message` (transferring `transfer`) and resolves with the worker's answer, by `deadline` (epoch ms). */
  run(message: Record<string, unknown>, transfer: ArrayBuffer[], deadline: number): Promise<Out> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, transfer, deadline, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (!this.running && this.queue.length) {
      const job = this.queue.shift()!;
      const left = job.deadline - Date.now();
      if (left <= 0) {
        job.reject(this.spec.errors.timeout());
        continue;
      }
      let worker: Worker;
      try {
        worker = this.start();
      } catch (e) {
        job.reject(e as Error);
        continue;
      }
      this.running = job;
      worker.ref();
      this.timer = setTimeout(() => this.finish(this.spec.errors.timeout(), true), left);
      worker.postMessage(job.message, job.transfer);
    }
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const { errors } = this.spec;
    // execArgv [] keeps tsx's hooks out of the thread (the file is plain JavaScript)
    const worker = new Worker(this.spec.url, { execArgv: [], resourceLimits: { maxOldGenerationSizeMb: this.spec.heapMb } });
    worker.on('message', (m: Out | { error: ThreadError }) => {
      this.finish('error' in m ? errors.fromWorker(m.error) : m, false);
    });
    worker.on('error', (e: Error & { code?: string }) => {
      if (this.worker === worker) this.worker = null;
      this.finish(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? errors.outOfMemory(e) : errors.failed(e), false);
    });
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.finish(errors.failed(new Error('the reading thread stopped')), false);
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Settles the running job; `terminate` discards its thread (stuck past the deadline). */
  private finish(outcome: Out | Error, terminate: boolean): void {
    clearTimeout(this.timer);
    const job = this.running;
    this.running = null;
    if (terminate && this.worker) {
      const stuck = this.worker;
      this.worker = null;
      void stuck.terminate();
    }
    this.worker?.unref();
    if (job) {
      if (outcome instanceof Error) job.reject(outcome);
      else job.resolve(outcome);
    }
    this.next();
  }
}
