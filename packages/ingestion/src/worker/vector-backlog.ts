/**
 * The vector backlog, as a crawl worker uses it. Inserting a vector into the HNSW index is most of what
 * writing a crawled chunk costs the database (pgvector updates the neighbours of the new node on disk),
 * so while the backlog holds fewer than `maxChunks` vectors, the worker's writes leave fresh vectors there
 * and the crawl is paced by fetching and parsing. When the worker has nothing to crawl, it moves them into
 * the index, one batch per statement, checking for new work between batches. Search scores backlog vectors
 * exactly, so a crawled page is searchable by both branches as soon as it is written; `maxChunks` bounds
 * what that exact scan reads.
 */
import type { Database } from '@cite/core/db/database.js';
import { vectorBacklogChunks } from '@cite/core/observability/metrics.js';
import { indexBacklogVectors, vectorBacklogSize, type VectorPlacement } from '@cite/index/documents-repo.js';

export interface VectorBacklogOptions {
  /** Backlog size above which writes index their vectors at once (0: always). */
  maxChunks: number;
  /**
   * Vectors moved per statement. Small on the embedded database, whose one connection is shared with
   * searches: a batch there holds them up for its whole duration (~3 ms per vector in PGlite).
   */
  batchSize: number;
}

export const VECTOR_BACKLOG_BATCH = { server: 256, embedded: 32 } as const;

export class VectorBacklog {
  /** Vectors in the backlog when last counted, plus what this worker added or moved since. */
  private size = 0;

  constructor(
    private readonly db: Database,
    private readonly options: VectorBacklogOptions,
  ) {}

  /** Where the next write puts fresh vectors. The count is refreshed by `refresh`, so the bound is soft. */
  placement(): VectorPlacement {
    return this.size < this.options.maxChunks ? 'backlog' : 'index';
  }

  /** Some vectors may be waiting (as last counted): an idle worker should call `indexSome`. */
  get pending(): boolean {
    return this.size > 0;
  }

  async refresh(): Promise<number> {
    this.size = await vectorBacklogSize(this.db);
    vectorBacklogChunks.set(this.size);
    return this.size;
  }

  /** Chunks just written to the backlog (keeps the estimate close between counts). */
  added(n: number): void {
    this.size += n;
  }

  /** Moves one batch into the index; 0 when the backlog is empty (or held by other workers). */
  async indexSome(): Promise<number> {
    const moved = await indexBacklogVectors(this.db, this.options.batchSize);
    this.size = moved === 0 ? 0 : Math.max(0, this.size - moved);
    vectorBacklogChunks.set(this.size);
    return moved;
  }
}
