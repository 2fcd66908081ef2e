/**
 * A forward proxy on loopback that the browser must use for every connection (Chromium is launched
 * with it and with loopback proxied too): navigations, each redirect hop, sub-resources, fetch/XHR,
 * WebSockets (CONNECT tunnels or upgrades) and anything else the page or the browser opens. Each
 * connection is judged by the fetcher's TargetGuard (OUTBOUND_ALLOW, outbound policy, private
 * addresses after DNS) before it is made; a refused one never leaves this process.
 * Playwright's request routing does not see redirect hops or WebSockets: this is the layer that does.
 */
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { countOutbound } from '@cite/core/outbound/outbound-guard.js';
import type { TargetGuard } from '../fetch/target-guard.js';

export interface GuardedProxy {
  /** `http://127.0.0.1:<port>`, for the browser's proxy setting. */
  server: string;
  /** Destinations refused so far (URLs, or host:port for tunnels). */
  refused: string[];
  close(): Promise<void>;
}

/** Header of the proxy's own 403 answers: the refusal's code (the renderer fails the page with it). */
export const REFUSED_HEADER = 'x-cite-refused';
const refusalCode = (e: unknown) => String((e as { code?: string }).code ?? 'FETCH_REFUSED_BY_GUARD');

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

const bareHost = (hostname: string) => hostname.replace(/^\[|\]$/g, '');
const portOf = (url: URL) => Number(url.port) || (url.protocol === 'https:' || url.protocol === 'wss:' ? 443 : 80);

export async function startGuardedProxy(guard: TargetGuard, options: { timeoutMs: number; log?: Logger }): Promise<GuardedProxy> {
  const refused: string[] = [];
  const sockets = new Set<Duplex>();
  const track = (s: Duplex) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const refuse = (target: string, e: unknown) => {
    refused.push(target);
    options.log?.warn({ target, code: (e as { code?: string }).code }, 'browser request refused by the crawl guard');
  };

  /** Plain http requests (absolute-form request line). */
  const onRequest = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    let url: URL;
    try {
      url = await guard.check(req.url ?? '');
    } catch (e) {
      refuse(req.url ?? '', e);
      res
        .writeHead(403, { 'content-type': 'text/plain', [REFUSED_HEADER]: refusalCode(e) })
        .end(`refused by the crawl guard: ${(e as Error).message}`);
      return;
    }
    countOutbound(url);
    const upstream = http.request({
      host: bareHost(url.hostname),
      port: portOf(url),
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers: endToEnd(req.headers),
      lookup: guard.lookup as never,
      timeout: options.timeoutMs,
    });
    upstream.on('response', (up) => {
      res.writeHead(up.statusCode ?? 502, endToEnd(up.headers));
      up.pipe(res);
    });
    upstream.on('timeout', () => upstream.destroy(new Error('upstream timeout')));
    upstream.on('error', (e) => {
      if ((e as { code?: string }).code === 'FETCH_PRIVATE_ADDRESS') refuse(url.href, e);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end();
      else res.destroy();
    });
    req.pipe(upstream);
  };

  /** Opens a guarded TCP connection to a checked URL's host, then hands it to `ready`. */
  const tunnel = async (target: string, check: string, client: Duplex, ready: (upstream: net.Socket) => void) => {
    track(client);
    client.on('error', () => {});
    let url: URL;
    try {
      url = await guard.check(check);
    } catch (e) {
      refuse(target, e);
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    countOutbound(url);
    const upstream = net.connect({ host: bareHost(url.hostname), port: portOf(url), lookup: guard.lookup as never });
    track(upstream);
    upstream.setTimeout(options.timeoutMs, () => upstream.destroy());
    upstream.once('connect', () => {
      upstream.setTimeout(0);
      ready(upstream);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', (e) => {
      if ((e as { code?: string }).code === 'FETCH_PRIVATE_ADDRESS') refuse(target, e);
      client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  };

  const server = http.createServer((req, res) => void onRequest(req, res));
  // https and WebSockets: CONNECT host:port (judged as https://host:port/)
  server.on('connect', (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    const target = req.url ?? '';
    void tunnel(target, `https://${target}/`, client, (upstream) => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
    });
  });
  // a plain ws:// upgrade sent to the proxy in absolute form
  server.on('upgrade', (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    const target = req.url ?? '';
    const check = target.replace(/^ws(s?):/i, 'http$1:');
    void tunnel(target, check, client, (upstream) => {
      const u = new URL(check);
      const lines = [`${req.method} ${u.pathname}${u.search} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        if (!/^proxy-/i.test(req.rawHeaders[i]!)) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
    });
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    server: `http://127.0.0.1:${port}`,
    refused,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
