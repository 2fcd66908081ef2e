/**
 * Newline-delimited JSON on an Express response: one JSON object a line, flushed as written, for
 * long work whose client wants to follow it (an upload's indexing progress, then its summary).
 * Any client reads it with a line reader; no event-stream parser needed. The status (200) goes with
 * the first line, so failures after it are a last `{"event":"error",…}` line, not a status.
 */
import type { Response } from 'express';

export interface NdjsonWriter {
  line(value: object): void;
  end(): void;
  readonly started: boolean;
}

export function ndjsonWriter(res: Response): NdjsonWriter {
  let started = false;
  return {
    get started() {
      return started;
    },
    line(value) {
      if (res.writableEnded || res.destroyed) return; // the client went away: the work goes on without it
      if (!started) {
        started = true;
        res.status(200);
        res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
        res.setHeader('Cache-Control', 'no-cache, no-transform');
        // nginx and similar proxies buffer responses unless told not to
        res.setHeader('X-Accel-Buffering', 'no');
      }
      res.write(`${JSON.stringify(value)}\n`);
    },
    end() {
      if (!res.writableEnded) res.end();
    },
  };
}
