/** Routes served by the real Express application on a loopback port, for tests of the HTTP layer. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppContext } from '@cite/core/http/app-context.js';
import type { RouteDef } from '@cite/core/http/route.js';
import { createApp } from '../http/app.js';

export interface ServedApp {
  url: string;
  /** Ends open connections too (a test may leave a stream or a keep-alive socket behind). */
  close(): Promise<void>;
}

export async function serveApp(ctx: AppContext, routes: RouteDef[]): Promise<ServedApp> {
  const app = createApp(ctx, { routes });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
