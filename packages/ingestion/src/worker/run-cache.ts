/** Each crawl run's context, read once per worker and forgotten when the run finishes. */
import type { Database } from '@cite/core/db/database.js';
import { runContext, type RunContext } from '../pipeline.js';
import type { RunRow } from '../runs/run-repo.js';

export class RunCache {
  private readonly runs = new Map<number, Promise<RunContext | null>>();

  constructor(private readonly db: Database) {}

  /** The run's context, or null when the run no longer exists. A failed read is retried next time. */
  get(runId: number): Promise<RunContext | null> {
    let p = this.runs.get(runId);
    if (!p) {
      p = this.db
        .query<RunRow>('SELECT id, source_id, status, phase, config FROM crawl_runs WHERE id = $1', [runId])
        .then((r) => (r.rows[0] ? runContext(r.rows[0]) : null));
      this.runs.set(runId, p);
      p.catch(() => this.runs.delete(runId));
    }
    return p;
  }

  forget(runId: number): void {
    this.runs.delete(runId);
  }
}
