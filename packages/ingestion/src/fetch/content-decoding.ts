/**
 * Undoing a response's Content-Encoding as browsers do: its codings in the order they were applied
 * (RFC 9110 §8.4), so the last first; `deflate` zlib-wrapped as the RFC says or raw as some servers send it;
 * bytes after the end of a compressed stream ignored. Each decoder is a stream stage of the fetcher's read
 * (fetcher.ts, readBody), which holds every layer's output to its size cap.
 */
import zlib from 'node:zlib';
import { finished, Transform } from 'node:stream';
import { CiteError } from '@cite/core/errors.js';

/**
 * Codings stacked on one body at most. A server has no use for more than two (a compressed file sent
 * compressed again); each one is a decompressor more, run on bytes the site chose.
 */
export const MAX_CONTENT_CODINGS = 3;

/** Content codings the fetcher decodes (RFC 9110 §8.4.1; x-gzip is gzip's old name, identity is no coding). */
const DECODERS: Record<string, () => Transform> = {
  gzip: () => framed(gzipFrame),
  'x-gzip': () => framed(gzipFrame),
  deflate: () => framed(deflateFrame),
  br: () => zlib.createBrotliDecompress(),
};

/**
 * The decoders of a Content-Encoding header, in decoding order. Several header lines are one list. More than
 * MAX_CONTENT_CODINGS fail the fetch. A coding the fetcher does not know ends the decoding, and what is left
 * is passed on as it is, as browsers do: servers send `Content-Encoding: utf-8`, `none` or `binary` on plain
 * pages, which are then read, while bytes that are still compressed are refused by the format detection as a
 * binary.
 */
export function contentDecoders(header: string | string[] | undefined, url: string): Transform[] {
  const codings = [header ?? []]
    .flat()
    .join(',')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'identity');
  // the layers to undo: the known codings applied last, up to the first unknown one from the end
  const known: string[] = [];
  for (const coding of codings.reverse()) {
    if (!Object.hasOwn(DECODERS, coding)) break;
    known.push(coding);
  }
  if (known.length > MAX_CONTENT_CODINGS) {
    throw new CiteError('FETCH_TOO_MANY_ENCODINGS', `The body of ${url} is encoded ${known.length} times; at most ${MAX_CONTENT_CODINGS} layers are decoded`);
  }
  return known.map((c) => DECODERS[c]!());
}

/** Whether a deflate body starts with a zlib header (RFC 1950 §2.2: method 8, a window of 32 KB at most, FCHECK). */
export function zlibHeader(head: Buffer): boolean {
  if (head.length < 2) return false;
  const cmf = head[0]!;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | head[1]!) % 31 === 0;
}

/** Where a compressed stream's data starts and what decodes it, once its first bytes are known; null: more bytes needed. */
type Frame = (head: Buffer) => { skip: number; decoder: zlib.Inflate | zlib.InflateRaw; gzipTrailer?: true } | null;

/**
 * RFC 9110 says zlib (RFC 1950), but IIS and old PHP sent raw deflate (RFC 1951), which every browser reads:
 * the first two bytes tell them apart.
 */
const deflateFrame: Frame = (head) => (head.length < 2 ? null : { skip: 0, decoder: zlibHeader(head) ? zlib.createInflate() : zlib.createInflateRaw() });

const GZIP_FLAGS = { FHCRC: 2, FEXTRA: 4, FNAME: 8, FCOMMENT: 16, RESERVED: 0xe0 };
/**
 * A gzip header longer than this (its file name, comment or extra field) is refused. Servers send none of
 * them, or a file name; and the header is read again as each packet comes, so a server sending a long one a
 * byte at a time would cost the square of its length.
 */
const MAX_GZIP_HEADER = 16 * 1024;

/**
 * A gzip member's header (RFC 1952 §2.3), read here so that its deflate data goes to a raw inflater, which
 * stops at the data's end: zlib's gunzip reads the bytes after a member as another member and fails on
 * anything else (a log line or an error message a server wrote after the body), dropping the last 16 KB it
 * had decoded. Browsers read the first member and ignore what follows; so does this, after checking the
 * member's trailer (its CRC-32 and length, as gunzip does: a damaged page is not indexed). A second member,
 * which no browser but Firefox reads, is ignored with the rest.
 */
const gzipFrame: Frame = (head) => {
  if (head.length < 10) return null;
  if (head[0] !== 0x1f || head[1] !== 0x8b) throw badGzip('incorrect header check');
  if (head[2] !== 8) throw badGzip('unknown compression method');
  const flags = head[3]!;
  if (flags & GZIP_FLAGS.RESERVED) throw badGzip('unknown header flags set');
  let at = 10;
  if (flags & GZIP_FLAGS.FEXTRA) {
    if (head.length < at + 2) return null;
    at += 2 + head.readUInt16LE(at);
  }
  for (const flag of [GZIP_FLAGS.FNAME, GZIP_FLAGS.FCOMMENT]) {
    if (!(flags & flag)) continue;
    const end = head.indexOf(0, at);
    if (end < 0) return head.length > MAX_GZIP_HEADER ? tooLongHeader() : null;
    at = end + 1;
  }
  if (flags & GZIP_FLAGS.FHCRC) at += 2;
  if (at > MAX_GZIP_HEADER) return tooLongHeader();
  return head.length < at ? null : { skip: at, decoder: zlib.createInflateRaw(), gzipTrailer: true };
};

const badGzip = (message: string) => zlibError('Z_DATA_ERROR', message);
const tooLongHeader = (): never => {
  throw badGzip(`gzip header longer than ${MAX_GZIP_HEADER} bytes`);
};

/**
 * A zlib decoder made once the body's first bytes are known (`frame`), fed what follows its header. zlib's
 * inflaters stop consuming at the end of their data (their `bytesWritten` then falls behind what they were
 * given): the bytes after it are read to the end, so the connection can be reused, and ignored, but for a
 * gzip member's trailer, which is checked.
 */
function framed(frame: Frame): Transform {
  let decoder: zlib.Inflate | zlib.InflateRaw | null = null;
  let checkTrailer = false;
  let head: Buffer = Buffer.alloc(0);
  let failure: Error | null = null;
  let fed = 0; // bytes given to the decoder
  let after: Buffer | null = null; // the bytes after the compressed data, once it ended (up to a trailer's 8)
  let crc = 0;
  let size = 0;
  const checked = (): Error | null => {
    if (!checkTrailer) return null;
    if (!after || after.length < 8) return zlibError('Z_BUF_ERROR', 'unexpected end of file');
    return after.readUInt32LE(0) !== crc >>> 0 || after.readUInt32LE(4) !== size % 2 ** 32 ? zlibError('Z_DATA_ERROR', 'incorrect data check') : null;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (after) {
        if (after.length < 8) after = Buffer.concat([after, chunk.subarray(0, 8 - after.length)]);
        return callback();
      }
      let input = chunk;
      if (!decoder) {
        head = head.length ? Buffer.concat([head, chunk]) : chunk;
        let framing;
        try {
          framing = frame(head);
        } catch (e) {
          return callback(e as Error);
        }
        if (!framing) return callback();
        const d = (decoder = framing.decoder);
        checkTrailer = framing.gzipTrailer === true;
        d.on('data', (out: Buffer) => {
          if (checkTrailer) crc = zlib.crc32(out, crc);
          size += out.length;
          this.push(out);
        });
        d.on('error', (e: Error) => (failure ??= e));
        input = head.subarray(framing.skip);
      }
      if (!input.length) return callback();
      const d = decoder;
      written(d, input).then(() => {
        if (failure) return callback(failure);
        fed += input.length;
        // it left some of what it was given: its data ended there
        if (d.bytesWritten < fed) {
          after = input.subarray(input.length - (fed - d.bytesWritten)).subarray(0, 8);
          d.destroy();
        }
        callback();
      });
    },
    flush(callback) {
      if (!decoder) {
        // an empty body is empty, whatever its coding
        return callback(head.length === 0 ? null : zlibError('Z_BUF_ERROR', 'unexpected end of file'));
      }
      if (after) return callback(checked());
      // the body ended with the data, or before it did (zlib: « unexpected end of file »)
      const d = decoder;
      d.end();
      finished(d, () => {
        if (failure) return callback(failure);
        after = Buffer.alloc(0);
        callback(checked());
      });
    },
    destroy(error, callback) {
      decoder?.destroy();
      callback(error);
    },
  });
}

/** An error as zlib gives it, with its code: the fetcher reports it as FETCH_BAD_ENCODING. */
function zlibError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Once `input` is consumed, or the stream failed on it (zlib then never calls the write's callback). */
function written(stream: Transform, input: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('error', done);
      resolve();
    };
    stream.once('error', done);
    stream.write(input, done);
  });
}
