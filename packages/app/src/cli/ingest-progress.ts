/**
 * What `cite ingest` shows while it works, on stderr (stdout carries the summary): a bar on a
 * terminal; otherwise a plain line every 1,000 documents or 10 seconds, and a last line with the
 * totals, so a log or a CI job sees where it got to without a line per document.
 * - direct ingest: documents read (indexed, unchanged, skipped or failed), failed, chunks, rate, the current
 *   location;
 * - through a running engine: bytes sent of all files, then the documents the engine has read of them.
 */
import cliProgress from 'cli-progress';
import type { IndexProgress } from '@cite/ingestion/ingest/index-documents.js';
import type { EngineUploadProgress } from './engine-upload.js';
import { terminalLine } from './terminal-text.js';

/** Where progress goes: stderr, or any stream that says whether it is a terminal. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean };

const LINE_EVERY_DOCUMENTS = 1000;
const LINE_EVERY_MS = 10_000;

export interface ProgressReporter<P> {
  update(p: P): void;
  /** Ends the bar, or writes the last plain line. */
  stop(): void;
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** Plain lines: at most one per LINE_EVERY_DOCUMENTS documents or LINE_EVERY_MS, and the last state on stop. */
function plainLines<P extends { documents: number }>(stream: ProgressStream, line: (p: P) => string): ProgressReporter<P> {
  let last: P | undefined;
  let written: P | undefined;
  let lastAt = Date.now();
  const write = (p: P) => {
    written = p;
    lastAt = Date.now();
    stream.write(`${line(p)}\n`);
  };
  return {
    update(p) {
      last = p;
      if (p.documents - (written?.documents ?? 0) >= LINE_EVERY_DOCUMENTS || Date.now() - lastAt >= LINE_EVERY_MS) write(p);
    },
    stop() {
      if (last && last !== written) write(last);
    },
  };
}

/** Direct ingest: documents read so far. */
export function indexingProgress(stream: ProgressStream = process.stderr, enabled = true): ProgressReporter<IndexProgress> {
  if (!enabled) return { update() {}, stop() {} };
  if (!stream.isTTY) return plainLines(stream, (p: IndexProgress) => `ingest: ${p.documents} documents, ${p.failed} failed, ${p.chunks} chunks`);
  let bar: cliProgress.SingleBar | undefined;
  const started = Date.now();
  return {
    update(p) {
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            format: 'Indexing {value} documents | {failed} failed | {chunks} chunks | {rate} docs/s | {location}',
            stream,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(0, 0, { failed: 0, chunks: 0, rate: 0, location: '' });
      }
      const secs = (Date.now() - started) / 1000;
      bar.setTotal(p.documents);
      bar.update(p.documents, {
        failed: p.failed,
        chunks: p.chunks,
        rate: secs > 0 ? Math.round(p.documents / secs) : 0,
        location: terminalLine(p.location.length > 60 ? `…${p.location.slice(-59)}` : p.location),
      });
    },
    stop: () => bar?.stop(),
  };
}

/** Through a running engine: a bar of the bytes sent, with the documents the engine has indexed beside it. */
export function engineUploadProgress(stream: ProgressStream = process.stderr, enabled = true): ProgressReporter<EngineUploadProgress> {
  if (!enabled) return { update() {}, stop() {} };
  // read, not indexed: the count holds the unchanged, skipped and failed ones too
  const describe = (p: EngineUploadProgress) => `${p.documents} documents read, ${p.failed} failed, ${p.chunks} chunks`;
  if (!stream.isTTY) {
    const lines = plainLines(stream, (p: EngineUploadProgress) => `ingest: ${mb(p.bytesSent)} of ${mb(p.bytesTotal)} MB sent, ${describe(p)}`);
    return lines;
  }
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(p) {
      if (!bar) {
        bar = new cliProgress.SingleBar(
          // short enough for an 80-column terminal: sent, then what the engine indexed of it
          { format: 'Sending [{bar}] {sent}/{size} MB | {documents} read, {failed} failed, {chunks} chunks', barsize: 20, stream, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.max(1, p.bytesTotal), 0, { sent: '0.0', size: mb(p.bytesTotal), documents: 0, failed: 0, chunks: 0 });
      }
      bar.update(p.bytesSent, { sent: mb(p.bytesSent), size: mb(p.bytesTotal), documents: p.documents, failed: p.failed, chunks: p.chunks });
    },
    stop: () => bar?.stop(),
  };
}
