/**
 * Which database's chunks the engine analyses, and the analysis itself (`french-analysis.ts`): only the
 * embedded database's, whose parser runs on the thread every write waits on. A server analyses its chunks
 * natively on cores of its own, faster than the engine would, and its locale may class characters otherwise.
 * The calibration runs once per database; if it fails, the database keeps analysing everything.
 */
import type { Database } from '@cite/core/db/database.js';
import { componentLogger } from '@cite/core/observability/logger.js';
import type { IndexedChunk } from '../documents-repo.js';
import { calibrateFrenchAnalysis } from './french-calibration.js';
import type { FrenchAnalyser } from './french-analysis.js';

const analysers = new WeakMap<Database, Promise<FrenchAnalyser | undefined>>();

/** The analyser the engine uses for `db`'s chunks, if any. */
export function chunkAnalyserFor(db: Database): Promise<FrenchAnalyser | undefined> {
  if (db.mode !== 'embedded') return Promise.resolve(undefined);
  let analyser = analysers.get(db);
  if (!analyser) {
    analyser = calibrateFrenchAnalysis(db)
      .catch((e: unknown) => ({ analyser: undefined, reason: `the calibration failed: ${(e as Error).message}` }))
      .then(({ analyser, reason }) => {
        if (!analyser) componentLogger('text-analysis').warn({ reason }, 'the embedded database analyses every chunk itself');
        return analyser;
      });
    analysers.set(db, analyser);
  }
  return analyser;
}

/**
 * `writes` with the tsvector the engine computes for `db` given to each chunk that has none, where it can:
 * new objects, the caller's untouched (fixtures may go to another database too); `writes` themselves when
 * the database analyses its chunks.
 */
export async function analyseChunks<W extends { chunks: IndexedChunk[] }>(db: Database, writes: readonly W[]): Promise<W[]> {
  const analyser = await chunkAnalyserFor(db);
  if (!analyser) return [...writes];
  let slice = performance.now();
  const analysed: W[] = [];
  for (const w of writes) {
    const chunks: IndexedChunk[] = [];
    for (const chunk of w.chunks) {
      chunks.push(chunk.tsv === undefined ? { ...chunk, tsv: analyser.chunkTsvector(chunk.context, chunk.text) } : chunk);
      // about 40 µs a chunk: a document of thousands would hold the event loop (the database's replies) too long
      if (performance.now() - slice > SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        slice = performance.now();
      }
    }
    analysed.push({ ...w, chunks });
  }
  return analysed;
}

const SLICE_MS = 10;
