/**
 * The browser is held to the fetcher's rules (issue 21, finding 5): a real Chromium renders pages of a
 * loopback site allowed by OUTBOUND_ALLOW (127.0.0.1) that redirect to, fetch from and open WebSockets
 * to another loopback host the allow list refuses (127.0.0.2, "not the source's host"); that host must
 * never see a request. Allowed redirects and WebSockets still work.
 */
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TargetGuard } from '../fetch/target-guard.js';
import { startGuardedProxy } from './guarded-proxy.js';
import { MAX_FRAME_NAVIGATIONS, MAX_NAVIGATIONS, Renderer } from './renderer.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface Server {
  origin: string;
  port: number;
  requests: string[];
  upgrades: string[];
  close(): Promise<void>;
}

/** An HTTP server that records every request and WebSocket upgrade, and completes WebSocket handshakes. */
async function startServer(host: string, handler: (req: http.IncomingMessage, res: http.ServerResponse, port: number) => void): Promise<Server> {
  const requests: string[] = [];
  const upgrades: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res, port);
  });
  const sockets = new Set<Duplex>();
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex) => {
    upgrades.push(req.url ?? '');
    sockets.add(socket);
    const accept = crypto
      .createHash('sha1')
      .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    origin: `http://${host}:${port}`,
    port,
    requests,
    upgrades,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy(); // upgraded sockets are no longer the server's connections
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const html = (body: string, script = '') =>
  `<!doctype html><html><head><title>t</title></head><body>${body}<script>${script}</script></body></html>`;

// Chromium is required (.ci/run installs it): a missing browser fails these tests, it does not skip them.
describe('Renderer: every browser request goes through the crawl guard', () => {
  let allowed: Server;
  let refused: Server;
  let renderer: Renderer;
  let stun: dgram.Socket;
  let stunPort = 0;
  const stunPackets: string[] = [];

  beforeAll(async () => {
    stun = dgram.createSocket('udp4').on('message', (_m, from) => stunPackets.push(`${from.address}:${from.port}`));
    await new Promise<void>((resolve) => stun.bind(0, '127.0.0.2', resolve));
    stunPort = stun.address().port;
    refused = await startServer('127.0.0.2', (_req, res) => res.end('<p>secret of another host</p>'));
    const other = () => `127.0.0.2:${refused.port}`;
    allowed = await startServer('127.0.0.1', (req, res) => {
      const send = (body: string) => res.writeHead(200, { 'content-type': 'text/html' }).end(body);
      if (req.url === '/redirect-away') return res.writeHead(302, { location: `http://${other()}/landed` }).end();
      if (req.url === '/redirect-chain') return res.writeHead(302, { location: '/redirect-away' }).end();
      if (req.url === '/redirect-home') return res.writeHead(302, { location: '/final' }).end();
      if (req.url === '/final') return send(html('<p>final page of the site</p>'));
      if (req.url === '/script-moves') return send(html('<p>a page that moves on</p>', "location.replace('/final');"));
      if (req.url === '/sockets' || req.url === '/sockets-stay') {
        const leave = req.url === '/sockets' ? "setTimeout(() => { location.href = '/redirect-away'; }, 400);" : '';
        return send(
          html(
            '<p>page that calls out</p>',
            `const mark = (t) => { const p = document.createElement('p'); p.textContent = t; document.body.append(p); };
             const away = new WebSocket('ws://${other()}/away-socket');
             away.onopen = () => mark('away-open');
             away.onclose = () => mark('away-closed');
             const home = new WebSocket('ws://' + location.host + '/home-socket');
             home.onopen = () => mark('home-open');
             fetch('http://${other()}/xhr').then(() => mark('xhr-ok'), () => mark('xhr-failed'));
             const f = document.createElement('iframe'); f.src = 'http://${other()}/frame'; document.body.append(f);
             ${leave}`,
          ),
        );
      }
      // a robots.txt would disallow /secret/: the tests' judge refuses it as the crawl's redirectCheck does
      if (req.url?.startsWith('/secret/')) return send(html('<p>secret page</p>'));
      if (req.url === '/popup-open') return send(html('<p>page that opens a window</p>', "window.open('/secret/popup');"));
      if (req.url === '/popup-click') {
        return send(html('<p>page that clicks a new-window link</p><a id="away" href="/secret/blank" target="_blank">x</a>', "document.getElementById('away').click();"));
      }
      if (req.url === '/frames') {
        return send(html('<p>page with frames</p><iframe src="/secret/iframe"></iframe><iframe src="/open-frame"></iframe>'));
      }
      if (req.url === '/open-frame') return send(html('<p>a frame the judge allows</p>'));
      if (req.url === '/calls-home') {
        return send(
          html(
            '<p>page that calls its own host</p><script src="/secret/app.js"></script>' +
              // markup alone: Chromium prefetched and prerendered these, past every route
              '<script type="speculationrules">{"prefetch":[{"source":"list","urls":["/secret/prefetched"]}],' +
              '"prerender":[{"source":"list","urls":["/secret/prerendered"]}]}</script>',
            `const mark = (t) => { const p = document.createElement('p'); p.textContent = t; document.body.append(p); };
             fetch('/open/data').then((r) => r.text()).then(mark);
             fetch('/secret/data').then((r) => r.text()).then(mark, () => mark('secret-fetch-failed'));
             navigator.sendBeacon('/secret/beacon', 'x');
             const x = new XMLHttpRequest(); x.open('GET', '/secret/xhr'); x.onerror = () => mark('secret-xhr-failed'); x.send();
             const socket = new WebSocket('ws://' + location.host + '/secret/socket');
             socket.onerror = () => mark('secret-socket-refused');
             try { new SharedWorker('/open/shared.js'); } catch { mark('no-shared-worker'); }`,
          ),
        );
      }
      if (req.url === '/open/data') return res.writeHead(200, { 'content-type': 'text/plain' }).end('open data of the site');
      // a shared worker outlives its pages: Playwright routes none of its requests
      if (req.url === '/open/shared.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end("fetch('/secret/from-shared-worker')");
      if (req.url === '/secret/app.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end("document.body.append('secret script ran')");
      if (req.url?.startsWith('/loop')) return send(html('<p>a page that never stops</p>', "location.replace('/loop?' + Math.random());"));
      if (req.url === '/insists') return send(html('<p>a page that insists</p>', "setInterval(() => location.replace('/secret/again'), 20);"));
      if (req.url?.startsWith('/frame-loop')) return send(html('<p>a frame that never stops</p>', "location.replace('/frame-loop?' + Math.random());"));
      if (req.url === '/frames-loop') return send(html('<p>page with a restless frame</p><iframe src="/frame-loop"></iframe>'));
      if (req.url === '/webrtc') {
        // STUN binding requests go out over UDP, never through an HTTP proxy
        return send(
          html(
            '<p>page that opens a peer connection</p>',
            `const pc = new RTCPeerConnection({ iceServers: [{ urls: 'stun:127.0.0.2:${stunPort}' }] });
             pc.createDataChannel('x');
             pc.createOffer().then((o) => pc.setLocalDescription(o));`,
          ),
        );
      }
      res.writeHead(404).end();
    });
    renderer = new Renderer({
      chromiumPath: CHROMIUM,
      userAgent: 'CiteTest',
      allowPrivateNetworks: true, // loopback test servers
      outboundAllow: ['127.0.0.1'], // the source's host; 127.0.0.2 is not
      timeoutMs: 10_000,
      settleMs: 1_500,
    });
  });
  afterAll(async () => {
    await renderer?.close();
    await allowed?.close();
    await refused?.close();
    stun?.close();
  });

  it('sends no WebRTC packet (UDP, past the proxy) to a refused host', async () => {
    const page = await renderer.render(`${allowed.origin}/webrtc`);
    expect(page.html).toContain('page that opens a peer connection');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(stunPackets).toEqual([]);
  });

  it('refuses a 302 to a host the guard refuses: the page fails, that host sees no request', async () => {
    await expect(renderer.render(`${allowed.origin}/redirect-away`)).rejects.toMatchObject({ code: 'RENDER_REFUSED' });
    await expect(renderer.render(`${allowed.origin}/redirect-chain`)).rejects.toMatchObject({ code: 'RENDER_REFUSED' });
    expect(refused.requests).toEqual([]);
    expect(renderer.refusedByProxy().some((t) => t.includes('127.0.0.2'))).toBe(true);
  });

  it('follows redirects within the allowed host', async () => {
    const page = await renderer.render(`${allowed.origin}/redirect-home`);
    expect(page.url).toBe(`${allowed.origin}/final`);
    expect(page.html).toContain('final page of the site');
  });

  it('reports the URL of the page it returns when a script navigated on (the crawl judges that URL too)', async () => {
    const page = await renderer.render(`${allowed.origin}/script-moves`);
    expect(page.html).toContain('final page of the site');
    expect(page.url).toBe(`${allowed.origin}/final`);
  });

  it("asks the caller before a script's navigation is requested, and does not request a refused one", async () => {
    const judged: string[] = [];
    const before = allowed.requests.filter((r) => r === '/final').length;
    const refusal = new Error('disallowed by robots.txt');
    await expect(
      renderer.render(`${allowed.origin}/script-moves`, {
        judgeNavigation: async (target) => {
          judged.push(target.href);
          throw refusal;
        },
      }),
    ).rejects.toBe(refusal);
    expect(judged).toEqual([`${allowed.origin}/final`]); // the page's own URL is the caller's to judge, not asked
    expect(allowed.requests.filter((r) => r === '/final').length).toBe(before);
    // allowed, the navigation goes on as without a judge
    const page = await renderer.render(`${allowed.origin}/script-moves`, { judgeNavigation: async () => {} });
    expect(page.url).toBe(`${allowed.origin}/final`);
  });

  /** The crawl's judge, as pipeline.ts's redirectCheck with a robots.txt disallowing /secret/. */
  const judged: string[] = [];
  const robotsJudge = async (target: URL) => {
    judged.push(target.pathname);
    if (target.pathname.startsWith('/secret/')) throw new Error('disallowed by robots.txt');
  };
  const secretRequests = () => allowed.requests.filter((r) => r.startsWith('/secret/'));

  it('opens no popup or new window: window.open and a script-clicked target=_blank link request nothing, the page renders', async () => {
    for (const [path, text] of [
      ['/popup-open', 'page that opens a window'],
      ['/popup-click', 'page that clicks a new-window link'],
    ]) {
      for (const judge of [robotsJudge, undefined]) {
        const page = await renderer.render(`${allowed.origin}${path}`, { judgeNavigation: judge });
        expect(page.html, path).toContain(text);
        expect(page.url, path).toBe(`${allowed.origin}${path}`);
      }
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(secretRequests()).toEqual([]);
  });

  it("judges a frame's navigation: a refused one is not requested, an allowed one is, and the page still renders", async () => {
    judged.length = 0;
    const page = await renderer.render(`${allowed.origin}/frames`, { judgeNavigation: robotsJudge });
    expect(page.html).toContain('page with frames');
    expect(page.url).toBe(`${allowed.origin}/frames`);
    expect(judged.sort()).toEqual(['/open-frame', '/secret/iframe']);
    expect(allowed.requests).toContain('/open-frame');
    await new Promise((r) => setTimeout(r, 300));
    expect(secretRequests()).toEqual([]);
  });

  it("asks the caller before the page's scripts, fetches, XHRs and beacons are requested; a refused one is not, the page renders without it", async () => {
    const asked: string[] = [];
    const page = await renderer.render(`${allowed.origin}/calls-home`, {
      judgeNavigation: robotsJudge,
      judgeSubresource: async (target) => {
        asked.push(target.pathname);
        return robotsJudge(target);
      },
    });
    expect(page.html).toContain('page that calls its own host');
    expect(page.html).toContain('open data of the site');
    expect(page.html).toContain('secret-fetch-failed');
    expect(page.html).toContain('secret-xhr-failed');
    expect(page.html).not.toContain('secret script ran');
    expect(page.html).toContain('secret-socket-refused');
    // shared workers are off: Playwright routes none of their requests
    expect(page.html).toContain('no-shared-worker');
    expect(asked.sort()).toEqual(['/open/data', '/secret/app.js', '/secret/beacon', '/secret/data', '/secret/socket', '/secret/xhr']);
    await new Promise((r) => setTimeout(r, 300));
    expect(secretRequests()).toEqual([]);
    expect(allowed.upgrades.filter((u) => u.startsWith('/secret/'))).toEqual([]);
    expect(allowed.requests).toContain('/open/data');
    // without a judge, the same page requests what it asks for itself (what the judge prevents); never what
    // speculation rules list, nor what a shared worker asks for
    await renderer.render(`${allowed.origin}/calls-home`);
    await new Promise((r) => setTimeout(r, 300));
    expect(secretRequests().sort()).toEqual(['/secret/app.js', '/secret/beacon', '/secret/data', '/secret/xhr']);
    expect(allowed.upgrades.filter((u) => u.startsWith('/secret/'))).toEqual(['/secret/socket']);
    // the next tests count the /secret/ requests they make themselves
    allowed.requests.splice(0, allowed.requests.length, ...allowed.requests.filter((r) => !r.startsWith('/secret/')));
  });

  it('stops a page that navigates on and on after MAX_NAVIGATIONS, once and for all (not retryable)', async () => {
    for (const judge of [robotsJudge, undefined]) {
      const before = allowed.requests.filter((r) => r.startsWith('/loop')).length;
      const started = Date.now();
      const error = await renderer.render(`${allowed.origin}/loop`, { judgeNavigation: judge }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'RENDER_TOO_MANY_NAVIGATIONS', retryable: false });
      expect(Date.now() - started).toBeLessThan(5_000); // not held until the render's timeout
      await new Promise((r) => setTimeout(r, 300));
      const requests = allowed.requests.filter((r) => r.startsWith('/loop')).length - before;
      expect(requests).toBeGreaterThan(1);
      expect(requests).toBeLessThanOrEqual(MAX_NAVIGATIONS + 1);
    }
  });

  it('counts only the navigations the judge lets through: a script insisting on a refused one gets the refusal', async () => {
    await expect(renderer.render(`${allowed.origin}/insists`, { judgeNavigation: robotsJudge })).rejects.toThrow('disallowed by robots.txt');
    expect(secretRequests()).toEqual([]);
  });

  it('stops a frame that navigates on and on after MAX_FRAME_NAVIGATIONS; the page still renders', async () => {
    const page = await renderer.render(`${allowed.origin}/frames-loop`, { judgeNavigation: robotsJudge });
    expect(page.html).toContain('page with a restless frame');
    await new Promise((r) => setTimeout(r, 300));
    expect(allowed.requests.filter((r) => r.startsWith('/frame-loop')).length).toBeLessThanOrEqual(MAX_FRAME_NAVIGATIONS);
  });

  it('judges neither the first navigation nor its redirect hops: they render as without a judge', async () => {
    judged.length = 0;
    const refuseAll = async (target: URL) => {
      judged.push(target.pathname);
      throw new Error('refused');
    };
    const page = await renderer.render(`${allowed.origin}/redirect-home`, { judgeNavigation: refuseAll });
    expect(page.url).toBe(`${allowed.origin}/final`);
    expect(page.html).toContain('final page of the site');
    expect(judged).toEqual([]);
  });

  it('never opens a WebSocket, fetch, frame or later navigation to a refused host; allowed WebSockets open', async () => {
    // the script navigates, after 400 ms, to a page that redirects away: the rendering is refused, never
    // the guard's refusal page indexed as the page
    await expect(renderer.render(`${allowed.origin}/sockets`)).rejects.toMatchObject({ code: 'RENDER_REFUSED' });
    await new Promise((r) => setTimeout(r, 500));
    expect(refused.requests).toEqual([]);
    expect(refused.upgrades).toEqual([]);
    expect(allowed.upgrades).toContain('/home-socket');
    // without the navigation, the page renders, its allowed WebSocket open and the refused one closed
    const page = await renderer.render(`${allowed.origin}/sockets-stay`);
    expect(page.html).toContain('home-open');
    // (a WebSocket the route refuses is Playwright's mock: the page may see it open, then closed, with no network)
    expect(page.html).toContain('away-closed');
    expect(refused.requests).toEqual([]);
    expect(refused.upgrades).toEqual([]);
  });
});

describe('guarded proxy (the browser\'s only way out)', () => {
  let refused: Server;
  let allowedSite: Server;
  beforeAll(async () => {
    refused = await startServer('127.0.0.2', (_req, res) => res.end('no'));
    allowedSite = await startServer('127.0.0.1', (_req, res) => res.end('yes'));
  });
  afterAll(async () => {
    await refused?.close();
    await allowedSite?.close();
  });

  it('refuses CONNECT tunnels, WebSocket upgrades and plain requests to refused hosts, before connecting', async () => {
    const proxy = await startGuardedProxy(new TargetGuard({ allowPrivateNetworks: true, outboundAllow: ['127.0.0.1'] }), { timeoutMs: 5_000 });
    const { port } = new URL(proxy.server);
    try {
      const connect = await new Promise<number>((resolve, reject) => {
        http
          .request({ host: '127.0.0.1', port, method: 'CONNECT', path: `127.0.0.2:${refused.port}` })
          .on('connect', (res, socket) => {
            socket.destroy();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject)
          .end();
      });
      expect(connect).toBe(403);
      const plain = await new Promise<{ status: number; code?: string }>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: `${refused.origin}/x` }, (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, code: res.headers['x-cite-refused'] as string | undefined });
          })
          .on('error', reject);
      });
      expect(plain).toEqual({ status: 403, code: 'FETCH_HOST_NOT_ALLOWED' });
      const upgrade = await new Promise<number>((resolve, reject) => {
        http
          .request({ host: '127.0.0.1', port, path: `ws://127.0.0.2:${refused.port}/sock`, headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' } })
          .on('response', (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('upgrade', (res, socket) => {
            socket.destroy();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject)
          .end();
      });
      expect(upgrade).toBe(403);
      expect(refused.requests).toEqual([]);
      expect(refused.upgrades).toEqual([]);
      // the allowed host goes through
      const ok = await new Promise<string>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: `${allowedSite.origin}/y` }, (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve(body));
          })
          .on('error', reject);
      });
      expect(ok).toBe('yes');
    } finally {
      await proxy.close();
    }
  });

  it('refuses private addresses after DNS when private networks are not allowed', async () => {
    const proxy = await startGuardedProxy(new TargetGuard({ allowPrivateNetworks: false, outboundAllow: [] }), { timeoutMs: 5_000 });
    const { port } = new URL(proxy.server);
    try {
      for (const target of [`http://[::127.0.0.1]:${allowedSite.port}/`, `${allowedSite.origin}/`]) {
        const status = await new Promise<number>((resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port, path: target }, (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            })
            .on('error', reject);
        });
        expect(status, target).toBe(403);
      }
      expect(allowedSite.requests).toEqual(['/y']);
    } finally {
      await proxy.close();
    }
  });
});
