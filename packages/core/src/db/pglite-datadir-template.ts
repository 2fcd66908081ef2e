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

/** The installed PGlite's version (its package.json is not among its exports: read beside its entry). */
export function pgliteVersion(): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('the installed @electric-sql/pglite has no package.json');
    dir = up;
  }
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

/** The shipped tarball, uncompressed, for a new in-memory database; undefined when none is usable. */
export function shippedTemplateBytes(dir = TEMPLATES_DIR): Uint8Array | undefined {
  const file = shippedTemplate(dir);
  try {
    if (!file) return undefined;
    const bytes = fs.readFileSync(file);
    if (templateChecksum(bytes) !== fs.readFileSync(`${file}.sha256`, 'utf8').trim()) return undefined;
    return zlib.brotliDecompressSync(bytes);
  } catch {
    return undefined; // damaged: PGlite's initdb makes the database instead
  }
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
