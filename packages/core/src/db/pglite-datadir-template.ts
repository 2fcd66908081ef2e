/**
 * A new PGlite data directory, shipped. PGlite's initdb peaks near 860 MB (a second PostgreSQL in memory
 * plus the initdb program, each with its own WASM memory, embedded-database.ts `initDataDir`): a machine
 * with 1 GB could not get through a first `npm run demo`. Loading the directory initdb makes, kept as a
 * tarball, peaks near 420 MB and takes a third of the time. The tarball is what initdb writes for one
 * build of PGlite, so it is named after PGlite's version and used only with that version; another one
 * runs initdb (`npx tsx scripts/build-pglite-template.ts` makes the tarball of the installed version).
 *
 * Brotli with a 16 MB window: the directory holds three nearly equal databases (template0, template1,
 * postgres), which gzip's 32 KB window cannot see (4.5 MB gzipped, 1.3 MB so).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../assets');

/**
 * The installed version of a PGlite package (`@electric-sql/pglite`, its extensions): their package.json is
 * not among their exports, and sits beside the folder of their entry (dist/).
 */
export function installedVersion(pkg: string): string {
  const dir = path.dirname(createRequire(import.meta.url).resolve(pkg));
  return (JSON.parse(fs.readFileSync(path.join(dir, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export function pgliteVersion(): string {
  return installedVersion('@electric-sql/pglite');
}

export function templateFileName(version = pgliteVersion()): string {
  return `pglite-${version}-datadir.tar.br`;
}

/** The shipped tarball for the installed PGlite, or undefined (initdb then makes the directory). */
export function shippedTemplate(dir = TEMPLATES_DIR): string | undefined {
  const file = path.join(dir, templateFileName());
  return fs.existsSync(file) ? file : undefined;
}

/**
 * The SHA-256 of a tarball, written beside it (`<file>.sha256`) when it is made: brotli has no checksum of
 * its own, and a damaged copy could decompress into a directory PostgreSQL cannot open.
 */
export function templateChecksum(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** A tarball's bytes when they are those its `.sha256` records; undefined when damaged or missing. */
export function readWholeTemplate(file: string): Buffer | undefined {
  try {
    const bytes = fs.readFileSync(file);
    return templateChecksum(bytes) === fs.readFileSync(`${file}.sha256`, 'utf8').trim() ? bytes : undefined;
  } catch {
    return undefined;
  }
}

/** The shipped tarball, uncompressed, for a new in-memory database; undefined when none is usable. */
export function shippedTemplateBytes(dir = TEMPLATES_DIR): Uint8Array | undefined {
  const file = shippedTemplate(dir);
  const bytes = file ? readWholeTemplate(file) : undefined;
  // damaged or missing: PGlite's initdb makes the database instead
  return bytes ? zlib.brotliDecompressSync(bytes) : undefined;
}

export function compressTemplate(tar: Uint8Array): Buffer {
  return zlib.brotliCompressSync(tar, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: tar.byteLength,
    },
  });
}
