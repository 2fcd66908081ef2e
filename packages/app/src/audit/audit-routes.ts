import { z } from 'zod';
import { defineRoute } from '@cite/core/http/route.js';
import { listQuery, sendList } from '@cite/core/http/simple-rest.js';
import { listAudit } from '@cite/core/audit/audit-repo.js';

export const auditRoutes = [
  defineRoute({
    method: 'get',
    path: '/admin/api/audit-log',
    access: 'admin',
    summary: 'Audit log of admin actions and refused keys (a key limited to collections sees the entries of the keys it sees)',
    tags: ['admin'],
    query: listQuery(['at', 'id'], z.object({ action: z.string().max(200).optional(), actor_key_id: z.number().int().optional() }).strict(), ['at', 'DESC']),
    raw: true,
    handler: async ({ app, query, caller, res }) => {
      const { rows, total } = await listAudit(app.db, {
        limit: query.limit,
        offset: query.offset,
        order: query.order,
        action: query.filter.action,
        actorKeyId: query.filter.actor_key_id,
        actorsWithin: caller!.collections,
      });
      sendList(res, 'audit-log', rows, total, query.offset);
    },
  }),
];
