import os from 'node:os';
import type { Config } from '../config/config.js';
import { dbAdmissionQueue, dbAdmissionRefused, dbAdmissionWait } from '../observability/metrics.js';
import { Admission, defaultAdmissionLimit } from './admission.js';
import type { Database } from './database.js';
import { openEmbeddedDatabase } from './embedded-database.js';
import { openServerDatabase } from './server-database.js';

type DatabaseConfig = Pick<Config, 'DATABASE_URL' | 'DATA_DIR' | 'DATABASE_POOL_SIZE'> &
  Partial<Pick<Config, 'DATABASE_MAX_ACTIVE' | 'DATABASE_PIPELINE_DEPTH' | 'DATABASE_QUEUE_MAX' | 'DATABASE_QUEUE_TIMEOUT_MS' | 'EMBEDDED_SHARED_BUFFERS_MB'>>;

/** Opens the database the configuration names: the PostgreSQL server when DATABASE_URL is set, else embedded. */
export async function openDatabase(cfg: DatabaseConfig): Promise<Database> {
  if (cfg.DATABASE_URL) return openServerDatabase(cfg.DATABASE_URL, cfg.DATABASE_POOL_SIZE, admissionFor('server', cfg));
  return openEmbeddedDatabase(cfg.DATA_DIR, { admission: admissionFor('embedded', cfg), sharedBuffersMb: cfg.EMBEDDED_SHARED_BUFFERS_MB });
}

/** The admission control of a process's database, from the configuration (0 = follow the machine). */
export function admissionFor(mode: Database['mode'], cfg: DatabaseConfig): Admission {
  const limit = cfg.DATABASE_MAX_ACTIVE || defaultAdmissionLimit(mode, os.availableParallelism(), cfg.DATABASE_POOL_SIZE);
  const depth = cfg.DATABASE_PIPELINE_DEPTH ?? 2;
  return new Admission(
    {
      limit,
      queueMax: cfg.DATABASE_QUEUE_MAX ?? 256,
      queueTimeoutMs: cfg.DATABASE_QUEUE_TIMEOUT_MS ?? 15_000,
      // the server's one connection per statement at work; PGlite runs one backend, behind one connection
      ...(mode === 'server' && depth > 1 ? { pipeline: { connections: limit, depth } } : {}),
    },
    {
      queued: (lane, depth) => dbAdmissionQueue.set({ lane }, depth),
      admitted: (lane, waitedMs) => dbAdmissionWait.observe({ lane }, waitedMs / 1000),
      refused: (lane, reason) => dbAdmissionRefused.inc({ lane, reason }),
    },
  );
}
