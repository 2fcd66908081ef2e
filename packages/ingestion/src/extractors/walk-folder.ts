/**
 * The files of a folder, for `cite ingest` and its upload to a running engine alike: the same files, and
 * the same entries reported rather than read.
 */
import fs from 'node:fs';
import path from 'node:path';

/** An entry of a folder that is not read, with why (a per-document error of the run). */
export interface FolderEntryError {
  ok: false;
  location: string;
  code: 'SYMLINK_NOT_FOLLOWED' | 'NOT_A_FILE';
  message: string;
}

/** Every file under a directory, sorted, hidden files and folders skipped. */
export async function* walkDir(dir: string): AsyncGenerator<string | FolderEntryError> {
  const entries = await fs.promises.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walkDir(p);
    else if (e.isFile()) yield p;
    // Left out, but said: a walk that skipped them in silence reported a folder of links as « 0 skipped ».
    // Links are not followed (a link to a folder above makes a loop; a link may lead out of the folder given).
    else if (e.isSymbolicLink()) yield { ok: false, location: p, code: 'SYMLINK_NOT_FOLLOWED', message: `${p} is a symbolic link, not followed: give its target` };
    // a FIFO would block the run until something writes to it, a device may never end
    else yield { ok: false, location: p, code: 'NOT_A_FILE', message: `${p} is not a regular file (a FIFO, a device, a socket): not read` };
  }
}
