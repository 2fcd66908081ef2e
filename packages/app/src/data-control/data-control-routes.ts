/** Admin API for data control: export and erasure per API key, retention policy and purge. Admin only, audited. */
import { z } from 'zod';
import { requireUnrestricted, seesKey, type Scope } from '@cite/core/http/collection-scope.js';
import type { Queryable } from '@cite/core/db/database.js';
import { CiteError } from '@cite/core/errors.js';
import { defineRoute } from '@cite/core/http/route.js';
import { idParams } from '@cite/core/http/simple-rest.js';
import { findById } from '../keys/api-keys-repo.js';
import { eraseKeyData, exportCounts, exportKeyData } from './key-data.js';
import { lastPurge, purgeExpired, RETENTION_RULES, retentionPolicy } from './retention.js';

const counts = z.record(z.string(), z.unknown());

export const eraseBody = z
  .object({
    /** Must be true: erasure cannot be undone. */
    confirm: z.literal(true, { message: 'confirm must be true: erasure cannot be undone' }),
  })
  .strict();

/** A limited admin exports and erases only the keys it sees (collection-scope.ts); others are not found. */
async function requireVisibleKey(db: Queryable, caller: Scope, id: number): Promise<void> {
  const key = await findById(db, id);
  if (key && !seesKey(caller, key)) throw new CiteError('API_KEY_NOT_FOUND', `No API key with id ${id}`, { status: 404 });
}

/**
 * A limited admin exports and erases a key's data only when all of it lies within its collections. A person's
 * grant can narrow after they asked (PUT /admin/api/users): their key then falls within the admin's reach
 * while their answers, and the passages those quote, still come from other collections.
 */
async function requireDataWithin(db: Queryable, caller: Scope, id: number, what: string): Promise<void> {
  if (caller.collections === null) return;
  const { rows } = await db.query<{ beyond: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM answers a
       LEFT JOIN feedback f ON f.answer_id = a.id AND f.api_key_id = $1
       WHERE (a.api_key_id = $1 OR f.id IS NOT NULL)
         AND NOT (a.collections IS NOT NULL AND a.collections <@ $2::bigint[])
     ) AS beyond`,
    [id, caller.collections],
  );
  if (rows[0]?.beyond) requireUnrestricted(caller, `${what} of a key with answers in other collections`);
}

export const dataControlRoutes = [
  defineRoute({
    method: 'get',
    path: '/admin/api/api-keys/:id/export',
    access: 'admin',
    summary: "Export, as JSON, the questions, answers and feedback of an API key's person",
    tags: ['admin', 'data-control'],
    params: idParams,
    response: z.object({
      format: z.string(),
      exported_at: z.string(),
      api_key: z.record(z.string(), z.unknown()),
      answers: z.array(z.record(z.string(), z.unknown())),
      feedback: z.array(z.record(z.string(), z.unknown())),
      eval_items: z.array(z.record(z.string(), z.unknown())),
      activity: z.array(z.record(z.string(), z.unknown())),
      other: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))),
    }),
    handler: async ({ app, params, caller, audit, res }) => {
      await requireVisibleKey(app.db, caller!, params.id);
      await requireDataWithin(app.db, caller!, params.id, 'The export');
      const data = await exportKeyData(app.db, params.id);
      await audit({
        action: 'data.export',
        targetType: 'api_key',
        targetId: params.id,
        after: exportCounts(data),
      });
      res.setHeader('Content-Disposition', `attachment; filename="cite-api-key-${params.id}-export.json"`);
      return data;
    },
  }),
  defineRoute({
    method: 'post',
    path: '/admin/api/api-keys/:id/erase',
    access: 'admin',
    summary: "Erase the questions, answers and feedback of an API key's person (the key itself stays)",
    tags: ['admin', 'data-control'],
    params: idParams,
    body: eraseBody,
    response: z.object({ api_key_id: z.number(), erased: counts }),
    handler: async ({ app, params, caller, ip, requestId }) => {
      await requireVisibleKey(app.db, caller!, params.id);
      await requireDataWithin(app.db, caller!, params.id, 'The erasure');
      const erased = await eraseKeyData(app.db, params.id, { keyId: caller!.keyId, name: caller!.name, ip, requestId });
      return { api_key_id: params.id, erased };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/api/retention',
    access: 'admin',
    summary: 'Retention periods in force, what each covers, and the last purge',
    tags: ['admin', 'data-control'],
    response: z.object({ policy: counts, rules: z.array(counts), interval_minutes: z.number(), last_purge: counts.nullable() }),
    handler: async ({ app }) => ({
      policy: retentionPolicy(app.config),
      rules: RETENTION_RULES,
      interval_minutes: app.config.RETENTION_PURGE_INTERVAL_MINUTES,
      last_purge: await lastPurge(app.db),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/admin/api/retention/purge',
    access: 'admin',
    summary: 'Run the retention purge now',
    tags: ['admin', 'data-control'],
    response: counts,
    handler: async ({ app, caller }) => {
      requireUnrestricted(caller!, 'The retention purge');
      return purgeExpired(app.db, retentionPolicy(app.config), {
        batchSize: app.config.RETENTION_PURGE_BATCH_SIZE,
        actor: { keyId: caller!.keyId, name: caller!.name },
      });
    },
  }),
];
