/** Admin API for keys: list, create (secret shown once), revoke. */
import { z } from 'zod';
import { ROLES } from '@cite/core/auth/roles.js';
import { requireKeyWithin, seesKey } from '@cite/core/http/collection-scope.js';
import { CiteError } from '@cite/core/errors.js';
import { defineRoute } from '@cite/core/http/route.js';
import { idsFilter, listQuery, sendList, idParams } from '@cite/core/http/simple-rest.js';
import { createKey, revoke } from './api-keys.js';
import { findById, listKeys } from './api-keys-repo.js';

const keyRecord = z.object({
  id: z.number(),
  name: z.string(),
  role: z.enum(ROLES),
  prefix: z.string(),
  collections: z.array(z.number()).nullable(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
  web_search: z.boolean().describe('May ask for internet search ("web": true on /v1/search and /v1/answers)'),
});
export const createKeyBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    role: z.enum(ROLES),
    collections: z.array(z.number().int().positive()).max(1000).nullable().optional(),
    expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
    web_search: z.boolean().optional().describe('Allow internet search (default false)'),
  })
  .strict();

export const apiKeysRoutes = [
  defineRoute({
    method: 'get',
    path: '/admin/api/api-keys',
    access: 'admin',
    summary: 'List API keys (never their secrets)',
    tags: ['admin'],
    query: listQuery(['id', 'name', 'role', 'created_at', 'last_used_at'], z.object({ id: idsFilter, active: z.boolean().optional() }).strict(), ['id', 'DESC']),
    raw: true,
    handler: async ({ app, query, caller, res }) => {
      const ids = query.filter.id === undefined ? undefined : ([] as number[]).concat(query.filter.id);
      if (ids) {
        const rows = (await Promise.all(ids.map((id) => findById(app.db, id)))).filter((k) => k && seesKey(caller!, k));
        return sendList(res, 'api-keys', rows, rows.length, 0);
      }
      const { rows, total } = await listKeys(app.db, { ...query, activeOnly: query.filter.active, within: caller!.collections });
      sendList(res, 'api-keys', rows, total, query.offset);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/api/api-keys/:id',
    access: 'admin',
    summary: 'One API key',
    tags: ['admin'],
    params: idParams,
    response: keyRecord,
    handler: async ({ app, params, caller }) => {
      const row = await findById(app.db, params.id);
      if (!row || !seesKey(caller!, row)) throw new CiteError('API_KEY_NOT_FOUND', `No API key with id ${params.id}`, { status: 404 });
      return row;
    },
  }),
  defineRoute({
    method: 'post',
    path: '/admin/api/api-keys',
    access: 'admin',
    summary: 'Create an API key; the secret is in the answer, once',
    tags: ['admin'],
    body: createKeyBody,
    status: 201,
    response: keyRecord.extend({ key: z.string() }),
    handler: async ({ app, body, caller, audit }) => {
      requireKeyWithin(caller!, { role: body.role, collections: body.collections ?? null });
      // a key limited to collections gives no more than it has, internet search included
      if (body.web_search && caller!.collections && !caller!.webSearch) {
        throw new CiteError('KEY_WIDER_THAN_CALLER', 'This key may not search the internet: the new key cannot be given web_search', { status: 403 });
      }
      const { key, row } = await createKey(app.db, {
        name: body.name,
        role: body.role,
        collections: body.collections ?? null,
        expiresAt: body.expires_at ?? null,
        createdBy: caller!.keyId,
        webSearch: body.web_search ?? false,
      });
      await audit({
        action: 'api_key.create',
        targetType: 'api_key',
        targetId: row.id,
        after: row,
      });
      return { ...row, key };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/admin/api/api-keys/:id',
    access: 'admin',
    summary: 'Revoke an API key (refused at once on every replica)',
    tags: ['admin'],
    params: idParams,
    response: keyRecord,
    handler: async ({ app, params, caller, audit }) => {
      const before = await findById(app.db, params.id);
      if (before && !seesKey(caller!, before)) throw new CiteError('API_KEY_NOT_FOUND', `No API key with id ${params.id}`, { status: 404 });
      const row = await revoke(app.db, params.id);
      await audit({
        action: 'api_key.revoke',
        targetType: 'api_key',
        targetId: row.id,
        before,
        after: row,
      });
      return row;
    },
  }),
];
