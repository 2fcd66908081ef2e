/**
 * vitest global setup: builds the migrated template databases (database-templates.ts) once, before the
 * test workers start, so that parallel suites copy one template instead of each building it.
 */
import { embeddedTemplate, ensureServerTemplate } from './database-templates.js';

export default async function setup(): Promise<void> {
  await embeddedTemplate();
  if (process.env.DATABASE_URL) await ensureServerTemplate(process.env.DATABASE_URL);
}
