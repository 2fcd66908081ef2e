/** Admin view of the outbound policy: where this process may connect, and why. */
import { z } from 'zod';
import { requireUnrestricted } from '@cite/core/http/collection-scope.js';
import { defineRoute } from '@cite/core/http/route.js';
import { currentOutboundPolicy } from '@cite/core/outbound/outbound-guard.js';
import { OutboundPolicy } from '@cite/core/outbound/outbound-policy.js';

export const outboundRoutes = [
  defineRoute({
    method: 'get',
    path: '/admin/api/outbound',
    access: 'admin',
    summary: 'Outbound destinations allowed by the outbound policy (model servers, crawl sites, OUTBOUND_ALLOW)',
    tags: ['admin', 'data-control'],
    response: z.object({
      models: z.array(z.object({ purpose: z.string(), host: z.string(), configuredBy: z.string() })),
      crawl_sites: z.array(z.string()),
      outbound_allow: z.array(z.string()),
      enforced: z.boolean(),
    }),
    handler: async ({ app, caller }) => {
      requireUnrestricted(caller!, "The outbound policy (every source's site)");
      const installed = currentOutboundPolicy();
      const policy = installed ?? new OutboundPolicy(app.config, app.db);
      await policy.refresh();
      return { models: policy.models, crawl_sites: policy.crawlSites(), outbound_allow: policy.allow, enforced: Boolean(installed) };
    },
  }),
];
