import type express from 'express';

/** Mounts the console's static files at /console (set by the console module when it exists). */
export function mountConsole(_app: express.Express): void {}
