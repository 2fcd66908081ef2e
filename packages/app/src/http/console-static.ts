/**
 * Serves the built console (console/dist) under /console. Any path that is not a file and looks
 * like a screen (no extension) gets index.html, so a deep link such as /console/sources/3 survives
 * a browser refresh; a missing asset stays a 404 so a broken build is visible, not masked.
 *
 * Mount with `app.use('/console', consoleStatic())`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import compression from 'compression';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { CiteError } from '@cite/core/errors.js';

export const DEFAULT_CONSOLE_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../console/dist');

export interface ConsoleStaticOptions {
  /** Directory holding index.html and assets/ (vite build output). */
  distDir?: string;
}

export function consoleStatic(options: ConsoleStaticOptions = {}): Router {
  const distDir = options.distDir ?? DEFAULT_CONSOLE_DIST;
  const indexFile = path.join(distDir, 'index.html');
  const router = express.Router();
  // The bundle is ~1.7 MB of JavaScript, ~0.5 MB gzipped: agents often sit on slow administrative networks.
  // Only here: the API's answer streams (SSE) must not wait in a compressor's buffer.
  router.use(compression());

  router.use((req: Request, res: Response, next: NextFunction) => {
    // Relative asset URLs in index.html resolve against /console/, not /.
    if ((req.method === 'GET' || req.method === 'HEAD') && req.originalUrl.split('?')[0] === req.baseUrl) {
      res.redirect(301, `${req.baseUrl}/${req.originalUrl.slice(req.baseUrl.length)}`);
      return;
    }
    next();
  });

  router.use(
    '/assets',
    express.static(path.join(distDir, 'assets'), {
      // Vite puts a content hash in every asset name: safe to cache for good.
      immutable: true,
      maxAge: '365d',
      index: false,
      fallthrough: false,
    }),
  );
  router.use(express.static(distDir, { index: false, maxAge: '1h' }));

  router.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (path.extname(req.path) !== '') {
      return next(new CiteError('NOT_FOUND', `No console file at ${req.baseUrl}${req.path}`, { status: 404 }));
    }
    if (!fs.existsSync(indexFile)) {
      return next(
        new CiteError('CONSOLE_NOT_BUILT', 'The console is not built: run `npm run build` (output console/dist)', {
          status: 503,
        }),
      );
    }
    // The shell must be revalidated so a new deployment's asset names are picked up.
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(indexFile);
  });

  // express.static with fallthrough:false reports a missing asset as an http-errors 404; give it our code.
  router.use((err: unknown, req: Request, _res: Response, next: NextFunction) => {
    const status = (err as { status?: number }).status;
    if (status === 404 && !(err instanceof CiteError)) {
      return next(new CiteError('NOT_FOUND', `No console file at ${req.baseUrl}${req.path}`, { status: 404 }));
    }
    next(err);
  });

  return router;
}
