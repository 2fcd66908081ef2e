/**
 * Server files a source may read: only under FILES_ROOTS (absolute directories; none by default), judged
 * on real paths, symlinks resolved, for the source's locations and for every file found under them.
 * Applies to sources (created through the API or console, read by crawl workers); `cite ingest <path>`
 * run by the machine's own user reads what that user names and is not a source.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CiteError } from '@cite/core/errors.js';

export type FilesRootsErrorCode = 'FILES_ROOTS_UNSET' | 'FILES_OUTSIDE_ROOTS' | 'FILE_NOT_FOUND' | 'NOT_A_FILE';

/** FILES_ROOTS parsed: absolute directories, comma separated. */
export function parseFilesRoots(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((d) => path.resolve(d));
}

const unset = (p: string) =>
  new CiteError('FILES_ROOTS_UNSET', `Server paths are refused (${p}): no FILES_ROOTS directory is configured`, { status: 400 });
const outside = (p: string, real: string, roots: string[]) =>
  new CiteError(
    'FILES_OUTSIDE_ROOTS',
    `${p}${real !== p ? ` (${real})` : ''} is outside the directories sources may read (FILES_ROOTS: ${roots.join(', ')})`,
    { status: 400 },
  );

function within(p: string, root: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Real paths of the roots (a root that does not exist confines nothing). */
async function realRoots(roots: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const r of roots) out.push(await fs.promises.realpath(r).catch(() => path.resolve(r)));
  return out;
}

/**
 * Check at registration: the path, as written and (when it exists) with symlinks resolved, is under a
 * root. Throws FILES_ROOTS_UNSET or FILES_OUTSIDE_ROOTS.
 */
export async function assertPathAllowed(p: string, roots: string[]): Promise<void> {
  if (roots.length === 0) throw unset(p);
  const resolved = path.resolve(p);
  if (!roots.some((r) => within(resolved, r))) throw outside(p, resolved, roots);
  const real = await fs.promises.realpath(resolved).catch(() => undefined);
  const reals = await realRoots(roots);
  if (real && !reals.some((r) => within(real, r))) throw outside(p, real, roots);
}

/** The real path of an existing location under a root; throws FILES_ROOTS_UNSET, FILE_NOT_FOUND or FILES_OUTSIDE_ROOTS. */
export async function confinePath(p: string, roots: string[]): Promise<string> {
  if (roots.length === 0) throw unset(p);
  let real: string;
  try {
    real = await fs.promises.realpath(p);
  } catch (e) {
    throw new CiteError('FILE_NOT_FOUND', `${p} does not exist on this server`, { cause: e });
  }
  if (!(await realRoots(roots)).some((r) => within(real, r))) throw outside(p, real, roots);
  return real;
}

export type ConfinedEntry =
  | { ok: true; /** real path to read */ path: string; /** document identity: the path as found */ url: string }
  | { ok: false; location: string; code: FilesRootsErrorCode; message: string };

/**
 * A FIFO, a socket or a device is never opened: reading a FIFO waits for a writer for ever (a worker stuck),
 * /dev/zero never ends. Each is one failed entry, named as found.
 */
const notAFile = (shown: string): ConfinedEntry => ({
  ok: false,
  location: shown,
  code: 'NOT_A_FILE',
  message: `${shown} is not a regular file or a directory (a FIFO, a socket or a device): not read`,
});

/**
 * The files of a location (a file, or a directory walked in name order, hidden entries skipped), each
 * checked on its real path: a symlink leading out of the roots, or an entry that is no regular file (FIFO,
 * socket, device), is one failed entry, the others go on.
 * Symlinked directories are not followed (loops); a symlinked file inside the roots is read.
 */
export async function* confinedFiles(location: string, roots: string[]): AsyncGenerator<ConfinedEntry> {
  const reals = await realRoots(roots);
  const real = await confinePath(location, roots);
  const stat = await fs.promises.stat(real);
  const shown = path.resolve(location);
  if (stat.isDirectory()) yield* walk(shown, real, reals, roots);
  else if (stat.isFile()) yield { ok: true, path: real, url: pathToFileURL(shown).href };
  else yield notAFile(shown);
}

async function* walk(shown: string, real: string, reals: string[], roots: string[]): AsyncGenerator<ConfinedEntry> {
  const entries = await fs.promises.readdir(real, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(real, e.name);
    const as = path.join(shown, e.name);
    if (e.isDirectory()) {
      yield* walk(as, p, reals, roots);
      continue;
    }
    if (e.isFile()) {
      yield { ok: true, path: p, url: pathToFileURL(as).href };
      continue;
    }
    if (!e.isSymbolicLink()) {
      yield notAFile(as);
      continue;
    }
    const target = await fs.promises.realpath(p).catch(() => undefined);
    if (!target) continue; // dangling link
    if (!reals.some((r) => within(target, r))) {
      yield { ok: false, location: as, code: 'FILES_OUTSIDE_ROOTS', message: outside(as, target, roots).message };
      continue;
    }
    const st = await fs.promises.stat(target).catch(() => undefined);
    if (st?.isFile()) yield { ok: true, path: target, url: pathToFileURL(as).href };
    else if (st && !st.isDirectory()) yield notAFile(as);
  }
}
