import type { Config } from '../config/config.js';
import type { Database } from './database.js';
import { openEmbeddedDatabase } from './embedded-database.js';
import { openServerDatabase } from './server-database.js';

/** Opens the database the configuration names: the PostgreSQL server when DATABASE_URL is set, else embedded. */
export async function openDatabase(cfg: Pick<Config, 'DATABASE_URL' | 'DATA_DIR' | 'DATABASE_POOL_SIZE'>): Promise<Database> {
  if (cfg.DATABASE_URL) return openServerDatabase(cfg.DATABASE_URL, cfg.DATABASE_POOL_SIZE);
  return openEmbeddedDatabase(cfg.DATA_DIR);
}
