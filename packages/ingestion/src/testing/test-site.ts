/**
 * A real HTTP server on loopback for crawler tests and benchmarks: routes by path, counts every
 * request (path with query), can delay, redirect, fail, or answer with any body.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RouteReply {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Wait before answering (ms). */
  delayMs?: number;
}
export type Route = string | RouteReply | ((req: http.IncomingMessage, url: URL) => RouteReply | Promise<RouteReply>);

export interface TestSite {
  /** http://127.0.0.1:port */
  url: string;
  routes: Map<string, Route>;
  /** Requests received per path+query. */
  hits: Map<string, number>;
  /** Request headers received, in order. */
  log: Array<{ path: string; headers: http.IncomingHttpHeaders; at: number }>;
  /** Fallback for paths without a route (default: 404). */
  fallback?: (req: http.IncomingMessage, url: URL) => RouteReply | Promise<RouteReply>;
  count(path: string): number;
  close(): Promise<void>;
}

export async function startTestSite(routes: Record<string, Route> = {}, host = '127.0.0.1'): Promise<TestSite> {
  const site: TestSite = {
    url: '',
    routes: new Map(Object.entries(routes)),
    hits: new Map(),
    log: [],
    count: (p) => site.hits.get(p) ?? 0,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const key = url.pathname + url.search;
    site.hits.set(key, (site.hits.get(key) ?? 0) + 1);
    site.log.push({ path: key, headers: req.headers, at: Date.now() });
    try {
      const route = site.routes.get(key) ?? site.routes.get(url.pathname);
      let reply: RouteReply;
      if (route === undefined) reply = site.fallback ? await site.fallback(req, url) : { status: 404, body: 'not found' };
      else if (typeof route === 'string') reply = { body: route };
      else if (typeof route === 'function') reply = await route(req, url);
      else reply = route;
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      if (res.destroyed) return;
      const headers = { 'content-type': 'text/html; charset=utf-8', ...(reply.headers ?? {}) };
      res.writeHead(reply.status ?? 200, headers);
      res.end(reply.body ?? '');
    } catch (e) {
      res.writeHead(500);
      res.end(String(e));
    }
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  site.url = `http://${host}:${(server.address() as AddressInfo).port}`;
  return site;
}

/** A small HTML page with a title, some text and links. */
export function page(title: string, text: string, links: string[] = [], extraHead = ''): string {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${title}</title>${extraHead}</head><body><main><h1>${title}</h1><p>${text}</p><ul>${links
    .map((l) => `<li><a href="${l}">${l}</a></li>`)
    .join('')}</ul></main></body></html>`;
}

/**
 * A site whose pages form a tree: /k/i links to /k/(2i+1) and /k/(2i+2), `pages` of them, each answered after
 * `delayMs` so that a kill lands mid-crawl (kill-and-resume tests).
 */
export function serveTree(site: TestSite, pages: number, delayMs: number): void {
  site.fallback = (_req, u) => {
    const m = /^\/k\/(\d+)$/.exec(u.pathname);
    if (!m) return { status: 404 };
    const i = Number(m[1]);
    const links = [2 * i + 1, 2 * i + 2].filter((n) => n < pages).map((n) => `/k/${n}`);
    return { delayMs, body: page(`Page ${i}`, `Contenu de la page numéro ${i}. `.repeat(20), links) };
  };
}
