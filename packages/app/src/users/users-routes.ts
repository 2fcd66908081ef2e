/** Admin API for the people who sign in with OpenID Connect ("Utilisateurs" in the console): list, read, change. */
import { z } from 'zod';
import { covers, requireKeyWithin } from '@cite/core/http/collection-scope.js';
import { ROLES } from '@cite/core/auth/roles.js';
import { CiteError } from '@cite/core/errors.js';
import { defineRoute } from '@cite/core/http/route.js';
import { idsFilter, listQuery, sendList, idParams } from '@cite/core/http/simple-rest.js';
import { findUser, listUsers, type UserRow } from './users-repo.js';
import { updateUser } from './users-service.js';

const userRecord = z.object({
  id: z.number(),
  issuer: z.string(),
  sub: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  collections: z.array(z.number()).nullable(),
  api_key_id: z.number(),
  disabled: z.boolean(),
  created_at: z.string(),
  last_sign_in_at: z.string().nullable(),
});
const toRecord = (u: UserRow) => ({ ...u, disabled: u.disabled_at !== null });
const notFound = (id: number) => new CiteError('USER_NOT_FOUND', `No user with id ${id}`, { status: 404 });

export const usersRoutes = [
  defineRoute({
    method: 'get',
    path: '/admin/api/users',
    access: 'admin',
    summary: 'People who signed in with OpenID Connect (a key limited to collections sees those limited to a subset of its own)',
    tags: ['admin'],
    query: listQuery(['id', 'email', 'name', 'role', 'last_sign_in_at', 'created_at'], z.object({ id: idsFilter, q: z.string().max(200).optional() }).strict(), ['last_sign_in_at', 'DESC']),
    raw: true,
    handler: async ({ app, query, caller, res }) => {
      const ids = query.filter.id === undefined ? undefined : ([] as number[]).concat(query.filter.id);
      if (ids) {
        const rows = (await Promise.all(ids.map((id) => findUser(app.db, id)))).filter((u): u is UserRow => !!u && covers(caller!, u.collections));
        return sendList(res, 'users', rows.map(toRecord), rows.length, 0);
      }
      const { rows, total } = await listUsers(app.db, { ...query, q: query.filter.q, within: caller!.collections });
      sendList(res, 'users', rows.map(toRecord), total, query.offset);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/api/users/:id',
    access: 'admin',
    summary: 'One person',
    tags: ['admin'],
    params: idParams,
    response: userRecord,
    handler: async ({ app, params, caller }) => {
      const user = await findUser(app.db, params.id);
      if (!user || !covers(caller!, user.collections)) throw notFound(params.id);
      return toRecord(user);
    },
  }),
  defineRoute({
    method: 'put',
    path: '/admin/api/users/:id',
    access: 'admin',
    summary: "Changes a person's role and collections, or disables them (their sessions end at once)",
    tags: ['admin'],
    params: idParams,
    body: z
      .object({
        role: z.enum(ROLES),
        collections: z.array(z.number().int().positive()).max(1000).nullable(),
        disabled: z.boolean().optional(),
      })
      .loose(),
    response: userRecord,
    handler: async ({ app, params, body, caller, audit }) => {
      const current = await findUser(app.db, params.id);
      if (!current || !covers(caller!, current.collections)) throw notFound(params.id);
      requireKeyWithin(caller!, { role: body.role, collections: body.collections });
      const { before, after } = await updateUser(app.db, params.id, {
        role: body.role,
        collections: body.collections,
        disabled: body.disabled ?? current.disabled_at !== null,
      });
      await audit({ action: 'user.update', targetType: 'user', targetId: after.id, before: toRecord(before), after: toRecord(after) });
      return toRecord(after);
    },
  }),
];
