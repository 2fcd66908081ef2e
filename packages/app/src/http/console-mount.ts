import type express from 'express';
import { consoleStatic } from './console-static.js';

/** Mounts the console's static files at /console, and sends the bare root there. */
export function mountConsole(app: express.Express): void {
  app.use('/console', consoleStatic());
  app.get('/', (_req, res) => res.redirect(302, '/console/'));
}
