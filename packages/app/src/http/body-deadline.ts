/**
 * How long a client may take to send a request's body. Node's own `server.requestTimeout` bounds the whole
 * body of every request alike, so it either left slow-body clients (slowloris) holding sockets or cut off a
 * 100 MB upload on a slow link (408 with no body, nothing indexed). Here, an ordinary request's body must be
 * in within the request timeout (plus a margin, as Node's was); a long-running route's (uploads, streamed
 * answers) may take as long as it needs, as long as it keeps coming: no byte for the request timeout closes
 * the connection.
 */
import type express from 'express';
import type { Request } from 'express';

/** Room beyond REQUEST_TIMEOUT_MS, so that the route's own 503 is sent before the socket is closed. */
const MARGIN_MS = 5_000;

const deadlines = new WeakMap<Request, NodeJS.Timeout>();

function closeIfIncomplete(req: Request): void {
  if (!req.complete && !req.socket.destroyed) req.socket.destroy();
}

function clear(req: Request): void {
  clearTimeout(deadlines.get(req));
  deadlines.delete(req);
}

/** Every request: its whole body within `timeoutMs` + the margin, or the connection is closed. */
export function bodyDeadline(timeoutMs: number): express.RequestHandler {
  return (req, _res, next) => {
    if (!req.complete) {
      const timer = setTimeout(() => closeIfIncomplete(req), timeoutMs + MARGIN_MS);
      timer.unref();
      deadlines.set(req, timer);
      // a request's 'close': its body read (or dumped after the response), or the connection gone
      req.once('close', () => clear(req));
    }
    next();
  };
}

/**
 * A long-running route: its body may take any time while it arrives, but the connection is closed once no
 * byte came for `idleMs`. Progress is read from the socket's byte count: listening to the body's own data
 * events would start reading it before the route's parser does.
 */
export function bodyProgress(idleMs: number): express.RequestHandler {
  return (req, _res, next) => {
    clear(req);
    if (!req.complete) {
      let seen = req.socket.bytesRead;
      const watch = setInterval(() => {
        if (req.complete || req.socket.destroyed) return clearInterval(watch);
        const now = req.socket.bytesRead;
        if (now === seen) {
          clearInterval(watch);
          closeIfIncomplete(req);
        }
        seen = now;
      }, idleMs);
      watch.unref();
      req.once('close', () => clearInterval(watch));
    }
    next();
  };
}
