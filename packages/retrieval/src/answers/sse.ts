/**
 * Server-sent events on an Express response: headers are sent with the first event (so time to
 * first byte measures real work), comments keep proxies from closing a quiet stream.
 */
import type { Response } from 'express';

export interface SseWriter {
  event(name: string | undefined, data: unknown): void;
  /** Raw `data:` line (OpenAI streams carry bare JSON and `[DONE]`). */
  data(payload: string): void;
  end(): void;
  readonly started: boolean;
}

export function sseWriter(res: Response, keepAliveMs = 15_000): SseWriter {
  let started = false;
  let timer: NodeJS.Timeout | undefined;
  const start = () => {
    if (started) return;
    started = true;
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    // nginx and similar proxies buffer responses unless told not to.
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    timer = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
    timer.unref();
    res.on('close', () => clearInterval(timer));
  };
  return {
    get started() {
      return started;
    },
    event(name, data) {
      start();
      res.write(`${name ? `event: ${name}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
    },
    data(payload) {
      start();
      res.write(`data: ${payload}\n\n`);
    },
    end() {
      clearInterval(timer);
      if (!res.writableEnded) res.end();
    },
  };
}
