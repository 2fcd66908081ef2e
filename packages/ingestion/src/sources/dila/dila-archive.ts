/**
 * DILA LEGI and KALI dumps (`.tar.gz`), read as a stream: gunzip → tar entries, one at a time. The full
 * LEGI archive is several GB: nothing is unpacked to disk, and only the current entry (an XML file of a few
 * KB) is held. Names follow DILA's publication (https://echanges.dila.gouv.fr/OPENDATA/LEGI/):
 * - full dumps: `Freemium_legi_global_20250713-140000.tar.gz`, entries `legi/global/…/LEGIARTI….xml`;
 * - increments: `LEGI_20250714-211502.tar.gz`, entries `20250714-211502/legi/global/…` plus
 *   `20250714-211502/liste_suppression_legi.dat`, the paths (without `.xml`) of the files removed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { CiteError } from '@cite/core/errors.js';
import type { DilaBase } from './dila-article.js';

export interface DumpInfo {
  base: DilaBase;
  type: 'full' | 'increment';
  /** When DILA produced it (UTC, from the name): the order increments apply in. */
  dumpedAt: Date;
  /** The archive's file name. */
  name: string;
}

/** YYYYMMDD-HHMMSS as a UTC date, or undefined. */
function stamp(s: string): Date | undefined {
  const m = /(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(s);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** What an archive's name says: base, full or increment, date. Undefined for a name DILA does not use. */
export function dumpInfo(file: string): DumpInfo | undefined {
  const name = path.basename(file);
  const full = /^Freemium_(legi|kali)_global_(\d{8}-\d{6})\.tar\.gz$/i.exec(name);
  const incr = /^(LEGI|KALI)_(\d{8}-\d{6})\.tar\.gz$/i.exec(name);
  const m = full ?? incr;
  if (!m) return undefined;
  const dumpedAt = stamp(m[2]!);
  if (!dumpedAt) return undefined;
  return { base: m[1]!.toUpperCase() as DilaBase, type: full ? 'full' : 'increment', dumpedAt, name };
}

export type DilaEntry =
  | { kind: 'article'; name: string; data: Buffer }
  /** An article file over MAX_ARTICLE_BYTES: not read, recorded as failed by the import, the rest goes on. */
  | { kind: 'oversized'; name: string; size: number }
  /** Ids (LEGIARTI…, KALIARTI…, LEGITEXT…) named by a `liste_suppression_*.dat`. */
  | { kind: 'deletions'; name: string; ids: string[] }
  /** Texts' struct and version files, sections, containers: their content comes with every article. */
  | { kind: 'other'; name: string };

const ARTICLE_FILE = /\/(LEGI|KALI)ARTI\d{12}\.xml$/;
const DELETION_LIST = /(?:^|\/)liste_suppression_(legi|kali)\.dat$/i;
// whole ids only: « LEGIARTI0000000000023 » (13 digits) named no article, yet removed LEGIARTI000000000002
const LISTED_ID = /(?<![A-Za-z0-9])(?:LEGI|KALI)(?:ARTI|TEXT|CONT|SCTA)\d{12}(?![0-9])/g;

/** The ids a deletion list names: the last id of each line (the file removed). */
export function deletedIds(list: string): string[] {
  const out: string[] = [];
  for (const line of list.split(/\r?\n/)) {
    const ids = line.match(LISTED_ID);
    if (ids?.length) out.push(ids[ids.length - 1]!);
  }
  return out;
}

/**
 * Reads past an entry's body. Iterating rejects when the archive ends or fails inside the entry: waiting
 * for 'end' alone never settled then (a download cut inside a struct file left the import hanging).
 */
async function skipEntry(entry: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of entry) void _;
}

/** Largest deletion list read into memory (a big increment's is a few MB); articles have their own bound. */
const MAX_ENTRY_BYTES = 64 * 1024 * 1024;
/**
 * Largest article parsed. The element tree of dense markup takes ~45 times its size (64 MB of `<a/>`, a
 * 64 KB gzip, grew the process by 2.8 GB), and the largest real articles (annex tables) are far below.
 */
export const MAX_ARTICLE_BYTES = 16 * 1024 * 1024;

/**
 * The entries of a dump, in archive order. A truncated or corrupt archive throws DILA_ARCHIVE_TRUNCATED
 * after the entries read before the damage (each of them complete: tar-stream yields an entry only once its
 * header is read, and its body is read to its declared size or the stream fails).
 */
export async function* readDilaArchive(file: string): AsyncGenerator<DilaEntry> {
  const extract = tar.extract();
  const source = fs.createReadStream(file);
  const feeding = pipeline(source, zlib.createGunzip(), extract).catch((e: unknown) => {
    extract.destroy(e as Error);
    return e;
  });
  try {
    for await (const entry of extract) {
      const name = entry.header.name.replace(/^\.\//, '');
      const wanted = entry.header.type === 'file' && (ARTICLE_FILE.test(name) || DELETION_LIST.test(name));
      if (!wanted) {
        await skipEntry(entry);
        if (entry.header.type === 'file') yield { kind: 'other', name };
        continue;
      }
      const size = entry.header.size ?? 0;
      if (DELETION_LIST.test(name) && size > MAX_ENTRY_BYTES) {
        // a deletion list is applied whole or not at all: the import stops at it (the archive stays unapplied)
        throw new CiteError('DILA_ENTRY_TOO_LARGE', `${name}: ${size} bytes, more than a deletion list can hold`, { status: 422 });
      }
      // an article too large to parse is passed over, read through without being kept, whatever its size: one
      // of 65 MiB stopped the archive, and every later attempt at it, before the articles after it
      if (!DELETION_LIST.test(name) && size > MAX_ARTICLE_BYTES) {
        await skipEntry(entry);
        yield { kind: 'oversized', name, size };
        continue;
      }
      const parts: Buffer[] = [];
      for await (const part of entry) parts.push(part as Buffer);
      const data = Buffer.concat(parts);
      if (DELETION_LIST.test(name)) yield { kind: 'deletions', name, ids: deletedIds(data.toString('utf8')) };
      else yield { kind: 'article', name, data };
    }
  } catch (e) {
    if (e instanceof CiteError) throw e;
    throw new CiteError('DILA_ARCHIVE_TRUNCATED', `${path.basename(file)} cannot be read to its end (truncated or corrupt archive): ${(e as Error).message}`, {
      status: 422,
      cause: e,
    });
  } finally {
    source.destroy();
  }
  const failed = await feeding;
  if (failed) {
    throw new CiteError('DILA_ARCHIVE_TRUNCATED', `${path.basename(file)} cannot be read to its end (truncated or corrupt archive): ${(failed as Error).message}`, {
      status: 422,
      cause: failed,
    });
  }
}

/** Top-level names of a DILA dump's entries: `legi/…`, `kali/…`, or `<YYYYMMDD-HHMMSS>/legi|kali/…`. */
const DUMP_ENTRY = /^(?:\.\/)?(?:\d{8}-\d{6}\/)?(?:(legi|kali)\/|liste_suppression_(legi|kali)\.dat$)/i;

/**
 * True when `file` is a `.tar.gz` whose first entries are those of a DILA dump (whatever its name).
 * Reads a few entries only.
 */
export async function isDilaDump(file: string): Promise<boolean> {
  if (!/\.(tar\.gz|tgz)$/i.test(file)) return false;
  const extract = tar.extract();
  const source = fs.createReadStream(file);
  pipeline(source, zlib.createGunzip(), extract).catch(() => {});
  let seen = 0;
  try {
    for await (const entry of extract) {
      const name = entry.header.name;
      entry.resume();
      if (entry.header.type === 'file' || entry.header.type === 'directory') {
        if (!DUMP_ENTRY.test(name) && !/^(?:\.\/)?\d{8}-\d{6}\/?$/.test(name)) return false;
        if (entry.header.type === 'file') return true;
      }
      if (++seen >= 20) return false;
    }
    return false;
  } catch {
    return false;
  } finally {
    source.destroy();
    extract.destroy();
  }
}

/**
 * The base and date of a dump named otherwise (a copy renamed by an admin): the date from its first
 * entries' `<YYYYMMDD-HHMMSS>/` folder (increments) or, failing that, the file's name.
 */
export async function sniffDumpInfo(file: string): Promise<DumpInfo | undefined> {
  const named = dumpInfo(file);
  if (named) return named;
  const extract = tar.extract();
  const source = fs.createReadStream(file);
  pipeline(source, zlib.createGunzip(), extract).catch(() => {});
  try {
    for await (const entry of extract) {
      entry.resume();
      const m = /^(?:\.\/)?(?:(\d{8}-\d{6})\/)?(legi|kali)\//i.exec(entry.header.name);
      if (!m) continue;
      const dumpedAt = stamp(m[1] ?? path.basename(file));
      if (!dumpedAt) return undefined;
      return { base: m[2]!.toUpperCase() as DilaBase, type: m[1] ? 'increment' : 'full', dumpedAt, name: path.basename(file) };
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    source.destroy();
    extract.destroy();
  }
}
