/**
 * JavaScript rendering with playwright-core driving the system's Chromium (no bundled browser
 * download). One browser per worker, launched on first need with a fresh profile directory;
 * each page gets its own context. Every connection the browser makes goes through a guarded proxy
 * (guarded-proxy.ts) that applies the fetcher's TargetGuard: navigations, each redirect hop,
 * sub-resources and WebSockets alike. Request routing adds cheap early refusals (resource types a text
 * extractor never needs, non-http schemes, refused hosts) and judges WebSockets before they open.
 * PDFs and other binaries never come here: the pipeline renders HTML only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import type { Logger } from 'pino';
import { CiteError } from '@cite/core/errors.js';
import { TargetGuard } from '../fetch/target-guard.js';
import { REFUSED_HEADER, startGuardedProxy, type GuardedProxy } from './guarded-proxy.js';

export interface RendererOptions {
  chromiumPath: string;
  userAgent: string;
  allowPrivateNetworks: boolean;
  /** Host globs every browser request must match (OUTBOUND_ALLOW; empty = any host). */
  outboundAllow: string[];
  timeoutMs: number;
  /** Time to wait for the network to settle after load (ms). */
  settleMs: number;
  /** Largest rendered HTML kept (characters). */
  maxChars: number;
}

export const RENDER_DEFAULTS = { timeoutMs: 30_000, settleMs: 1_500, maxChars: 20 * 1024 * 1024, outboundAllow: [] as string[] };

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  // WebRTC sends its STUN/TURN packets over UDP, past the guarded proxy: a page's RTCPeerConnection reached
  // hosts the guard refuses (private addresses, hosts outside OUTBOUND_ALLOW). UDP is left to proxied TURN only.
  '--webrtc-ip-handling-policy=disable_non_proxied_udp',
];

/** Resource types a text extractor never needs: skipping them makes rendering several times faster. */
const SKIPPED_RESOURCES = new Set(['image', 'media', 'font', 'stylesheet']);

export interface RenderedPage {
  url: string;
  html: string;
}

export interface RenderOptions {
  /**
   * Judges each later navigation of the page (a script's `location`, a form it submits) before the browser
   * requests it, as the crawl judges a redirect target (scope, robots.txt): throws to refuse it. The
   * navigation is then aborted, nothing is requested, and `render` rejects with that error once the page
   * has settled. Redirect hops are not seen here (Playwright routes a navigation's first request only):
   * the caller judges the URL `render` returns.
   */
  judgeNavigation?: (target: URL) => Promise<void>;
}

export class Renderer {
  private readonly options: RendererOptions;
  private readonly guard: TargetGuard;
  private context: Promise<BrowserContext> | null = null;
  private proxy: GuardedProxy | null = null;
  private profileDir: string | null = null;

  constructor(
    options: Partial<RendererOptions> & Pick<RendererOptions, 'chromiumPath' | 'userAgent' | 'allowPrivateNetworks'>,
    private readonly log?: Logger,
  ) {
    this.options = { ...RENDER_DEFAULTS, ...options };
    this.guard = new TargetGuard(this.options);
  }

  /** Destinations the guarded proxy refused since the browser started (host:port or URL). */
  refusedByProxy(): string[] {
    return [...(this.proxy?.refused ?? [])];
  }

  private browser(): Promise<BrowserContext> {
    if (!this.context) {
      if (!fs.existsSync(this.options.chromiumPath)) {
        return Promise.reject(
          new CiteError('RENDER_UNAVAILABLE', `Chromium not found at ${this.options.chromiumPath} (set CHROMIUM_PATH)`),
        );
      }
      this.profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-chromium-'));
      // playwright-core costs ~90 MB once loaded: only crawls that render pay for it
      this.context = Promise.all([
        import('playwright-core'),
        startGuardedProxy(this.guard, { timeoutMs: this.options.timeoutMs, log: this.log }),
      ])
        .then(async ([{ chromium }, proxy]) => {
          this.proxy = proxy;
          // Playwright adds <-loopback> to the bypass list: loopback goes through the proxy too
          const ctx = await chromium.launchPersistentContext(this.profileDir!, {
            executablePath: this.options.chromiumPath,
            headless: true,
            args: CHROMIUM_ARGS,
            proxy: { server: proxy.server },
            userAgent: this.options.userAgent,
            javaScriptEnabled: true,
            acceptDownloads: false,
            serviceWorkers: 'block',
            timeout: this.options.timeoutMs,
          });
          await this.guardContext(ctx);
          return ctx;
        })
        .catch(async (e: unknown) => {
          this.context = null;
          await this.proxy?.close();
          this.proxy = null;
          throw new CiteError('RENDER_UNAVAILABLE', `Cannot start Chromium: ${(e as Error).message}`, { cause: e });
        });
      this.log?.info({ chromium: this.options.chromiumPath }, 'browser launched');
    }
    return this.context;
  }

  /**
   * Early refusals before the proxy: resource types never needed, schemes other than http(s) (data: and
   * blob: stay in the browser), hosts the guard refuses; WebSockets judged like http(s) requests.
   */
  private async guardContext(ctx: BrowserContext): Promise<void> {
    await ctx.route('**/*', async (route) => {
      const req = route.request();
      if (SKIPPED_RESOURCES.has(req.resourceType())) return route.abort();
      try {
        const u = new URL(req.url());
        if (u.protocol === 'data:' || u.protocol === 'blob:') return route.continue();
        await this.guard.check(u);
        return route.continue();
      } catch {
        return route.abort('blockedbyclient');
      }
    });
    await ctx.routeWebSocket(/.*/, async (ws) => {
      try {
        await this.guard.check(ws.url().replace(/^ws(s?):/i, 'http$1:'));
      } catch {
        this.log?.warn({ url: ws.url() }, 'WebSocket refused by the crawl guard');
        return ws.close({ code: 1008, reason: 'refused by the crawl guard' });
      }
      ws.connectToServer();
    });
  }

  async render(url: string, options: RenderOptions = {}): Promise<RenderedPage> {
    const ctx = await this.browser();
    const page = await ctx.newPage();
    let judgedRefusal: unknown;
    const judge = options.judgeNavigation;
    if (judge) {
      let first = true;
      // a page's routes come before the context's (guardContext): what this one lets through goes on to them
      await page.route('**/*', async (route) => {
        const req = route.request();
        if (req.isNavigationRequest() && req.frame() === page.mainFrame()) {
          if (first) first = false;
          else {
            try {
              await judge(new URL(req.url()));
            } catch (e) {
              judgedRefusal ??= e;
              return route.abort('blockedbyclient');
            }
          }
        }
        return route.fallback();
      });
    }
    // a later hop of the page's own navigation (a script's, a redirect's) that the guard refused
    let refusedNavigation: string | undefined;
    page.on('response', (r) => {
      if (r.frame() === page.mainFrame() && r.request().isNavigationRequest() && r.headers()[REFUSED_HEADER]) refusedNavigation = r.url();
    });
    page.on('requestfailed', (r) => {
      if (r.frame() === page.mainFrame() && r.isNavigationRequest() && /ERR_BLOCKED_BY_CLIENT/.test(r.failure()?.errorText ?? '')) refusedNavigation = r.url();
    });
    try {
      let response;
      try {
        response = await page.goto(url, { waitUntil: 'load', timeout: this.options.timeoutMs });
      } catch (e) {
        const message = (e as Error).message.split('\n')[0];
        if (/ERR_BLOCKED_BY_CLIENT/.test(message)) {
          throw new CiteError('RENDER_REFUSED', `Rendering ${url} was refused by the crawl guard`, { cause: e });
        }
        throw new CiteError('RENDER_FAILED', `Rendering ${url} failed: ${message}`, { cause: e, retryable: true });
      }
      // a hop of the navigation (a redirect) the guarded proxy refused: the page is not the site's
      const refusal = response?.headers()[REFUSED_HEADER];
      if (refusal) {
        throw new CiteError('RENDER_REFUSED', `Rendering ${url} led to ${response!.url()}, refused by the crawl guard (${refusal})`, {
          details: { code: refusal, url: response!.url() },
        });
      }
      await page.waitForLoadState('networkidle', { timeout: this.options.settleMs }).catch(() => {});
      const html = await page.content();
      if (judgedRefusal) throw judgedRefusal;
      if (refusedNavigation) {
        throw new CiteError('RENDER_REFUSED', `Rendering ${url} navigated to ${refusedNavigation}, refused by the crawl guard`, {
          details: { url: refusedNavigation },
        });
      }
      if (html.length > this.options.maxChars) {
        throw new CiteError('RENDER_TOO_LARGE', `Rendered page ${url} is larger than ${this.options.maxChars} characters`);
      }
      // where the content is from: a script may have navigated on after the response (page.url() follows it)
      return { url: page.url() || response?.url() || url, html };
    } finally {
      await page.close().catch(() => {});
    }
  }

  async close(): Promise<void> {
    const ctx = this.context;
    this.context = null;
    if (ctx) await (await ctx.catch(() => null))?.close().catch(() => {});
    await this.proxy?.close();
    this.proxy = null;
    if (this.profileDir) fs.rmSync(this.profileDir, { recursive: true, force: true });
    this.profileDir = null;
  }
}

