import fs from 'node:fs';
import path from 'node:path';
import { CiteError } from '../errors.js';

/**
 * The embedded database belongs to one process at a time: two PGlite instances on one directory
 * corrupt it. A lock file holds the owner's pid; a lock left by a dead process (kill -9) is taken over.
 * Returns the release function.
 */
export function acquireDataDirLock(dataDir: string): () => Promise<void> {
  const lockPath = path.join(dataDir, 'cite.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }));
      fs.closeSync(fd);
      return async () => {
        try {
          const owner = readOwner(lockPath);
          if (owner?.pid === process.pid) fs.unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = readOwner(lockPath);
      if (owner && owner.pid !== process.pid && isAlive(owner.pid)) {
        throw new CiteError(
          'DATA_DIR_LOCKED',
          `The embedded database in ${path.resolve(dataDir)} is in use by another Cité process (pid ${owner.pid}). ` +
            'Stop it, use the running engine through its API (CLI commands do so when CITE_URL and CITE_API_KEY are set), ' +
            'or use a PostgreSQL server (DATABASE_URL) to run several processes.',
          { status: 409 },
        );
      }
      fs.rmSync(lockPath, { force: true }); // stale lock
    }
  }
  throw new CiteError('DATA_DIR_LOCKED', `Could not lock ${path.resolve(dataDir)}`, { status: 409 });
}

function readOwner(lockPath: string): { pid: number } | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as { pid?: unknown };
    return typeof parsed.pid === 'number' ? { pid: parsed.pid } : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
