import pg from 'pg';
import { CiteError } from '../errors.js';
import type { Admission } from './admission.js';
import { listenOnChannel, type ChannelSubscription } from './channel-listener.js';
import { PipelinedConnections } from './pipelined-connections.js';
import type { Database } from './database.js';
import { poolDatabase } from './pool-database.js';

export async function openServerDatabase(url: string, poolSize: number, admission?: Admission): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => {
    /* idle client errors surface on the next query; keep the process alive */
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (e) {
    await pool.end().catch(() => {});
    throw new CiteError(
      'DATABASE_UNREACHABLE',
      `DATABASE_URL: cannot connect to PostgreSQL at ${redact(url)}: ${(e as Error).message}`,
      { cause: e, retryable: true },
    );
  }

  // connections for the statements that always run their generic plan (database.ts, `genericPlan`),
  // pipelined: one per statement Admission lets run (without a pipeline there, as many as the pool), opened
  // when first needed and kept
  const pipelined = new PipelinedConnections(
    () => new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, pipeline: true }),
    admission?.options.pipeline?.connections ?? poolSize,
  );
  const db = poolDatabase(pool, 'server', undefined, admission, pipelined);
  const subscriptions = new Set<ChannelSubscription>();
  return {
    ...db,
    listen(channel, handlers) {
      const subscription = listenOnChannel(url, channel, handlers);
      subscriptions.add(subscription);
      return {
        get live() {
          return subscription.live;
        },
        close: () => (subscriptions.delete(subscription), subscription.close()),
      };
    },
    close: async () => {
      await Promise.all([...subscriptions].map((s) => s.close()));
      await db.close();
    },
  };
}

/** Hides the password of a connection URL in messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}
