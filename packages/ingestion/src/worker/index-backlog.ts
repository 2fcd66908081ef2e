/**
 * The index backlog, as a crawl worker uses it. Inserting a vector into the HNSW index and a chunk's BM25
 * postings into their btree are most of what writing a crawled chunk costs the database, so while the
 * backlog tables hold fewer chunks than their bounds, the worker's writes leave fresh vectors and postings
 * there and the crawl is paced by fetching and parsing. When the worker has nothing to crawl, it moves
 * them into the index, one batch per statement, checking for new work between batches. Search scores
 * backlog chunks exactly (vectors by distance, postings from the impacts kept with them), so a crawled
 * page is searchable by both branches as soon as it is written; the bounds cap what those exact scans
 * read, each at about the time of one HNSW search of the same database (see BACKLOG_MAX).
 */
import type { Config } from '@cite/core/config/config.js';
import type { Database } from '@cite/core/db/database.js';
import { postingsBacklogChunks, vectorBacklogChunks } from '@cite/core/observability/metrics.js';
import { backlogSizes, indexBacklog, placementOf, postingsWait, vectorsWait, type IndexPlacement } from '@cite/index/documents-repo.js';

export interface IndexBacklogOptions {
  /** Waiting vectors above which writes put their vectors into the HNSW index at once (0: always). */
  maxVectors: number;
  /** Waiting chunks above which writes write their postings at once (0: always). */
  maxPostings: number;
  /**
   * Chunks moved per statement. Small on the embedded database, whose one connection is shared with
   * searches: a batch there holds them up for its whole duration (~2 ms per vector in PGlite).
   */
  batchSize: number;
}

export const BACKLOG_BATCH = { server: 256, embedded: 32 } as const;

/**
 * Default bounds by database (CRAWLER_VECTOR_BACKLOG_MAX and CRAWLER_POSTINGS_BACKLOG_MAX override them),
 * each about what one HNSW search of that database costs. Measured on 2 cores: on the server, 5,000
 * waiting vectors took a hybrid search over 100,000 chunks from 11 to 14 ms at the median (README); 5,000
 * waiting chunks of the Code du travail add 9 ms to a lexical search at the median, 18 ms at the 90th
 * percentile (queries with "travail", which each of them holds). In PGlite, whose HNSW search is slow
 * (~20 ms over 5,000 vectors at ef_search 200), the exact scan costs ~1 µs a vector, so 20,000 cost about
 * one HNSW search; 5,000 waiting postings add 7 ms at the median, 19 ms at the 90th percentile.
 */
export const BACKLOG_MAX = {
  server: { vectors: 5_000, postings: 5_000 },
  embedded: { vectors: 20_000, postings: 5_000 },
} as const;

/** The bounds on this database: the configuration's, else BACKLOG_MAX. */
export function backlogBounds(
  mode: Database['mode'],
  config: Pick<Config, 'CRAWLER_VECTOR_BACKLOG_MAX' | 'CRAWLER_POSTINGS_BACKLOG_MAX'>,
): Pick<IndexBacklogOptions, 'maxVectors' | 'maxPostings'> {
  return {
    maxVectors: config.CRAWLER_VECTOR_BACKLOG_MAX ?? BACKLOG_MAX[mode].vectors,
    maxPostings: config.CRAWLER_POSTINGS_BACKLOG_MAX ?? BACKLOG_MAX[mode].postings,
  };
}

export class IndexBacklog {
  /** Chunks waiting when last counted, plus what this worker added or moved since. */
  private vectors = 0;
  private postings = 0;

  constructor(
    private readonly db: Database,
    private readonly options: IndexBacklogOptions,
  ) {}

  /** Where the next write puts fresh chunks. The counts are refreshed by `refresh`, so the bounds are soft. */
  placement(): IndexPlacement {
    return placementOf(this.vectors < this.options.maxVectors, this.postings < this.options.maxPostings);
  }

  /** Some chunks may be waiting (as last counted): an idle worker should call `indexSome`. */
  get pending(): boolean {
    return this.vectors > 0 || this.postings > 0;
  }

  async refresh(): Promise<{ vectors: number; postings: number }> {
    const sizes = await backlogSizes(this.db);
    this.vectors = sizes.vectors;
    this.postings = sizes.postings;
    this.report();
    return sizes;
  }

  /** Chunks just written with `placement` (keeps the estimates close between counts). */
  added(chunks: number, placement: IndexPlacement): void {
    if (vectorsWait(placement)) this.vectors += chunks;
    if (postingsWait(placement)) this.postings += chunks;
  }

  /** Moves one batch into the index (postings first); 0 when both backlogs are empty (or held by other workers). */
  async indexSome(): Promise<number> {
    const moved = await indexBacklog(this.db, this.options.batchSize);
    if (moved.postings === 0 && moved.vectors === 0) {
      this.vectors = 0;
      this.postings = 0;
    } else if (moved.postings > 0) {
      this.postings = Math.max(0, this.postings - moved.postings);
    } else {
      // no postings left to move
      this.postings = 0;
      this.vectors = Math.max(0, this.vectors - moved.vectors);
    }
    this.report();
    return moved.postings + moved.vectors;
  }

  private report(): void {
    vectorBacklogChunks.set(this.vectors);
    postingsBacklogChunks.set(this.postings);
  }
}
