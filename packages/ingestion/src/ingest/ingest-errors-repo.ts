/** SQL of ingest_errors: what a run could not index, and why (the console's crawl run screens read it). */
import type { Queryable } from '@cite/core/db/database.js';

export async function recordIngestError(
  db: Queryable,
  e: { sourceId: number | null; runId: number | null; location: string; code: string; message: string },
): Promise<void> {
  await db.query(`INSERT INTO ingest_errors (source_id, run_id, location, code, message) VALUES ($1, $2, $3, $4, $5)`, [
    e.sourceId,
    e.runId,
    e.location.slice(0, 2000),
    e.code,
    e.message.slice(0, 4000),
  ]);
}
