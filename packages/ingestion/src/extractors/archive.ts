/**
 * Zip reading with yauzl, one entry at a time (memory stays at one entry), with zip-bomb guards:
 * entry count, entry size, total uncompressed size and compression ratio, checked on the declared
 * sizes before inflating and on the bytes actually inflated (headers can lie).
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import iconv from 'iconv-lite';
import { CiteError } from '@cite/core/errors.js';

export interface ArchiveLimits {
  /** Most entries read from one zip. */
  maxEntries: number;
  /** Largest uncompressed size of one entry (bytes). */
  maxEntryBytes: number;
  /** Largest sum of uncompressed sizes in one zip (bytes). */
  maxTotalBytes: number;
  /** Largest uncompressed/compressed ratio of an entry (zip bombs compress ~1000:1). */
  maxRatio: number;
  /** How deep zips inside zips are followed (0 = nested zips are refused). */
  maxDepth: number;
}

/** Entries under this size are never refused for their ratio: small text compresses very well too. */
const RATIO_FLOOR_BYTES = 1024 * 1024;

/**
 * One entry: its bytes, or why it was refused. `fatal` failures end the archive (its index is
 * unreadable or its total size says bomb); the others only skip that entry.
 */
export type ArchiveItem =
  | { ok: true; name: string; data: Buffer; modifiedAt?: string }
  | { ok: false; name: string; code: string; message: string; fatal: boolean };

/**
 * Turns an entry name into a safe relative path: backslashes to slashes, no drive letter, no
 * leading slash, no `.`/`..` segments. Returns '' when nothing is left.
 */
export function sanitiseEntryName(raw: string): string {
  const parts = raw
    .replace(/\\/g, '/')
    .replace(/^[a-zA-Z]:/, '')
    .split('/')
    .filter((p) => p !== '' && p !== '.' && p !== '..')
    .map((p) => p.replace(/[\u0000-\u001f]/g, ''));
  return parts.join('/');
}

function decodeName(entry: Entry): string {
  const raw = entry.fileName as unknown as Buffer | string;
  if (typeof raw === 'string') return raw;
  // Bit 11: the name is UTF-8; otherwise the zip spec says CP437 (old Windows tools).
  return entry.generalPurposeBitFlag & 0x800 ? raw.toString('utf8') : iconv.decode(raw, 'cp437');
}

/**
 * Zips up to this size are read into memory in one go: yauzl reading a file entry by entry makes
 * thousands of small reads, each a wait on a busy machine (the service-public zips are 0.5–15 MB).
 */
const IN_MEMORY_ZIP_BYTES = 64 * 1024 * 1024;

/** The zip, and its bytes when they are in memory (entries are then inflated synchronously). */
async function openZip(source: { path?: string; data?: Buffer }): Promise<{ zip: ZipFile; bytes?: Buffer }> {
  let bytes = source.data;
  if (!bytes && source.path) {
    const { size } = await fs.promises.stat(source.path);
    if (size <= IN_MEMORY_ZIP_BYTES) bytes = await fs.promises.readFile(source.path);
  }
  return { zip: await openBuffered(bytes ? { data: bytes } : source), bytes };
}

/**
 * Inflates an entry of an in-memory zip on the calling thread: for the many small XML and HTML
 * entries of real archives, a synchronous inflate costs microseconds where yauzl's stream goes
 * through the thread pool and the event loop for each one.
 */
function inflateInMemory(bytes: Buffer, entry: Entry, maxBytes: number): Buffer {
  const off = entry.relativeOffsetOfLocalHeader;
  if (off + 30 > bytes.length || bytes.readUInt32LE(off) !== 0x04034b50) throw new Error('bad local file header');
  const start = off + 30 + bytes.readUInt16LE(off + 26) + bytes.readUInt16LE(off + 28);
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw new Error('entry data runs past the end of the archive');
  let data: Buffer;
  if (entry.compressionMethod === 0) data = Buffer.from(bytes.subarray(start, end));
  else {
    try {
      // Never inflate more than declared (+1 byte to see a lie): a lying header costs nothing.
      const cap = Math.max(1, Math.min(maxBytes, entry.uncompressedSize + 1));
      data = zlib.inflateRawSync(bytes.subarray(start, end), { maxOutputLength: cap });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        throw new CiteError('ZIP_ENTRY_TOO_LARGE', `inflates past its declared ${entry.uncompressedSize} bytes`, { status: 413 });
      throw e;
    }
  }
  if (data.length > maxBytes) throw new CiteError('ZIP_ENTRY_TOO_LARGE', `inflates past ${maxBytes} bytes`, { status: 413 });
  if (data.length !== entry.uncompressedSize) {
    if (data.length > entry.uncompressedSize)
      throw new CiteError('ZIP_ENTRY_TOO_LARGE', `inflates to ${data.length} bytes, not the ${entry.uncompressedSize} declared`, { status: 413 });
    throw new Error(`inflates to ${data.length} bytes, not the ${entry.uncompressedSize} declared`);
  }
  return data;
}

function openBuffered(source: { path?: string; data?: Buffer }): Promise<ZipFile> {
  // decodeStrings off: yauzl would reject the whole archive on one hostile name ("../x");
  // we sanitise names ourselves and keep reading the other entries.
  const options = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true };
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zip?: ZipFile) => (err || !zip ? reject(err) : resolve(zip));
    if (source.data) yauzl.fromBuffer(source.data, options, done);
    else if (source.path) yauzl.open(source.path, options, done);
    else reject(new Error('no zip path or data'));
  });
}

function nextEntry(zip: ZipFile): Promise<Entry | null> {
  return new Promise((resolve, reject) => {
    const onEntry = (e: Entry) => {
      cleanup();
      resolve(e);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

function readEntry(zip: ZipFile, entry: Entry, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(err ?? new Error('no stream'));
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          stream.destroy();
          reject(new CiteError('ZIP_ENTRY_TOO_LARGE', `inflates past ${maxBytes} bytes`, { status: 413 }));
          return;
        }
        chunks.push(c);
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks, size)));
    });
  });
}

const fail = (name: string, code: string, message: string, fatal = false): ArchiveItem => ({
  ok: false,
  name,
  code,
  message,
  fatal,
});

/**
 * Reads the entries of a zip (file on disk or bytes), skipping directories and OS junk, and the entries
 * `select` leaves out (neither inflated nor counted against the limits).
 */
export async function* readZip(
  source: { path?: string; data?: Buffer },
  limits: ArchiveLimits,
  select?: (name: string) => boolean,
): AsyncGenerator<ArchiveItem> {
  let zip: ZipFile;
  let bytes: Buffer | undefined;
  try {
    ({ zip, bytes } = await openZip(source));
  } catch (e) {
    yield fail('', 'ZIP_CORRUPT', `not a readable zip: ${(e as Error).message}`, true);
    return;
  }
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    yield fail('', 'ZIP_TOO_MANY_ENTRIES', `${zip.entryCount} entries, more than the limit of ${limits.maxEntries}`, true);
    return;
  }
  let declaredTotal = 0;
  let inflatedTotal = 0;
  try {
    for (;;) {
      let entry: Entry | null;
      try {
        entry = await nextEntry(zip);
      } catch (e) {
        yield fail('', 'ZIP_CORRUPT', `zip index unreadable: ${(e as Error).message}`, true);
        return;
      }
      if (!entry) return;
      const rawName = decodeName(entry);
      const name = sanitiseEntryName(rawName);
      if (!name || rawName.endsWith('/') || rawName.endsWith('\\')) continue;
      if (name.startsWith('__MACOSX/') || name.split('/').some((p) => p === '.DS_Store' || p === 'Thumbs.db'))
        continue;
      if (select && !select(name)) continue;
      if (entry.isEncrypted()) {
        yield fail(name, 'ZIP_ENTRY_ENCRYPTED', 'entry is password-protected');
        continue;
      }
      if (!entry.canDecodeFileData()) {
        yield fail(name, 'ZIP_ENTRY_UNSUPPORTED', `compression method ${entry.compressionMethod} is not supported`);
        continue;
      }
      declaredTotal += entry.uncompressedSize;
      if (declaredTotal > limits.maxTotalBytes) {
        yield fail(
          name,
          'ZIP_BOMB',
          `archive inflates past the total limit of ${limits.maxTotalBytes} bytes; remaining entries skipped`,
          true,
        );
        return;
      }
      const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
      if (entry.uncompressedSize > RATIO_FLOOR_BYTES && ratio > limits.maxRatio) {
        yield fail(
          name,
          'ZIP_BOMB',
          `compression ratio ${Math.round(ratio)}:1 is above the limit of ${limits.maxRatio}:1`,
        );
        continue;
      }
      if (entry.uncompressedSize > limits.maxEntryBytes) {
        yield fail(name, 'ZIP_ENTRY_TOO_LARGE', `${entry.uncompressedSize} bytes, more than the limit of ${limits.maxEntryBytes}`);
        continue;
      }
      let data: Buffer;
      try {
        const max = Math.min(limits.maxEntryBytes, limits.maxTotalBytes - inflatedTotal);
        data = bytes ? inflateInMemory(bytes, entry, max) : await readEntry(zip, entry, max);
      } catch (e) {
        if (e instanceof CiteError && e.code === 'ZIP_ENTRY_TOO_LARGE') {
          // Declared sizes were lies (validateEntrySizes catches most, this catches the rest).
          yield fail(name, 'ZIP_BOMB', `entry ${e.message}: its header lied about its size`, true);
          return;
        }
        yield fail(name, 'ZIP_ENTRY_CORRUPT', `cannot inflate: ${(e as Error).message}`);
        continue;
      }
      inflatedTotal += data.length;
      let modifiedAt: string | undefined;
      try {
        modifiedAt = entry.getLastModDate().toISOString();
      } catch {
        modifiedAt = undefined;
      }
      yield { ok: true, name, data, modifiedAt };
    }
  } finally {
    zip.close();
  }
}
