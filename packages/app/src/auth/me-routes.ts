import { z } from 'zod';
import { ROLES } from '@cite/core/auth/roles.js';
import { defineRoute } from '@cite/core/http/route.js';

export const meRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/me',
    access: 'agent',
    summary: "The calling key's name and role",
    tags: ['auth'],
    response: z.object({ id: z.number(), name: z.string(), role: z.enum(ROLES), collections: z.array(z.number()).nullable(), web_search: z.boolean() }),
    handler: ({ caller }) => ({ id: caller!.keyId, name: caller!.name, role: caller!.role, collections: caller!.collections, web_search: caller!.webSearch ?? false }),
  }),
];
