/**
 * JavaScript rendering with playwright-core driving the system's Chromium (no bundled browser
 * download). One browser per worker, launched on first need with a fresh profile directory;
 * each page gets its own context. Every connection the browser makes goes through a guarded proxy
 * (guarded-proxy.ts) that applies the fetcher's TargetGuard: navigations, each redirect hop,
 * sub-resources and WebSockets alike. Request routing adds cheap early refusals (resource types a text
 * extractor never needs, non-http schemes, refused hosts) and judges WebSockets before they open. A page
 * opens no other page (popups, new windows); the navigations of its frames are judged as the crawl judges a
 * redirect target, and counted; its other requests (scripts, fetches, beacons) are judged by the caller (the
 * crawl: the robots.txt of the page's own site).
 * PDFs and other binaries never come here: the pipeline renders HTML only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Frame, Page, Request, WebSocketRoute } from 'playwright-core';
import type { Logger } from 'pino';
import { CiteError, isCiteError } from '@cite/core/errors.js';
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
  // a SharedWorker outlives its pages, and Playwright routes none of its requests: what it fetched went
  // unjudged (robots.txt). Service workers are blocked at launch (serviceWorkers: 'block').
  '--disable-shared-workers',
];

/**
 * Main-frame navigations a rendered page may make after its first (page.goto). A page that moves on for a
 * reason (a script redirect, a language or consent step) does so once or twice; a script navigating in a
 * loop made a dozen requests a second, past the host's crawl rate, until the render timed out, then again
 * on each retry. Past this many the rendering stops with a non-retryable error: the page fails once.
 */
export const MAX_NAVIGATIONS = 10;
/**
 * Navigations of a page's frames (iframes, their first loads included) per rendering: a frame navigating in
 * a loop costs the host the same unpaced requests, and held the page's load event until the timeout. Frame
 * content is not part of the rendered page: past this many they are aborted and the page renders on.
 */
export const MAX_FRAME_NAVIGATIONS = 20;

/**
 * Chromium's start, apart from a page's timeout: a start that fails leaves every page of the crawl that
 * needs rendering failed (RENDER_UNAVAILABLE), and on a loaded machine (CI, two cores) a start took longer
 * than the 3 s a test gives a page.
 */
const BROWSER_LAUNCH_TIMEOUT_MS = 60_000;

/**
 * The profile's preferences, written before Chromium starts. « Preload pages » off (2: never): a page's
 * speculation rules (`<script type="speculationrules">`, markup alone, or a Speculation-Rules header) made
 * Chromium prefetch and prerender the pages they list, robots.txt-disallowed ones included, through requests
 * Playwright's routes never see. No command-line switch stopped them.
 */
function writeProfilePreferences(profileDir: string): void {
  fs.mkdirSync(path.join(profileDir, 'Default'), { recursive: true });
  fs.writeFileSync(path.join(profileDir, 'Default', 'Preferences'), JSON.stringify({ net: { network_prediction_options: 2 } }));
}

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
   * the caller judges the URL `render` returns. A frame's navigation (an iframe) is judged too: a refused
   * one is aborted and the page renders without that frame's content (which it never includes).
   */
  judgeNavigation?: (target: URL) => Promise<void>;
  /**
   * Judges each other request of the page and its frames (scripts, fetch and XHR, beacons) before the
   * browser sends it, as robots.txt judges any URL of its host: throws to refuse it. A refused request is
   * aborted and the page renders without it. Resource types the renderer never loads are not asked about.
   */
  judgeSubresource?: (target: URL) => Promise<void>;
}

export class Renderer {
  private readonly options: RendererOptions;
  private readonly guard: TargetGuard;
  private context: Promise<BrowserContext> | null = null;
  /** Pages `render` opened: the only ones allowed to navigate (guardContext). */
  private readonly pages = new WeakSet<Page>();
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
      writeProfilePreferences(this.profileDir);
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
            timeout: Math.max(this.options.timeoutMs, BROWSER_LAUNCH_TIMEOUT_MS),
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
      // a popup or new window (window.open, a target=_blank link a script clicks) is a page `render` never
      // routed, hence never judged: its navigations go nowhere. Chromium's --block-new-web-contents does
      // not stop them in the new headless mode Playwright drives.
      if (req.isNavigationRequest() && !this.rendering(req)) return route.abort('blockedbyclient');
      try {
        const u = new URL(req.url());
        if (u.protocol === 'data:' || u.protocol === 'blob:') return route.continue();
        await this.guard.check(u);
        return route.continue();
      } catch {
        return route.abort('blockedbyclient');
      }
    });
    await ctx.routeWebSocket(/.*/, (ws) => this.openWebSocket(ws));
  }

  /**
   * A WebSocket is judged as an http(s) request to its URL: by the guard, then by the page's `judge` when
   * it has one (a page's routes take precedence over the context's, so both checks are made here).
   */
  private async openWebSocket(ws: WebSocketRoute, judge?: (target: URL) => Promise<void>): Promise<void> {
    const target = new URL(ws.url().replace(/^ws(s?):/i, 'http$1:'));
    try {
      await this.guard.check(target);
    } catch {
      this.log?.warn({ url: ws.url() }, 'WebSocket refused by the crawl guard');
      return ws.close({ code: 1008, reason: 'refused by the crawl guard' });
    }
    try {
      await judge?.(target);
    } catch (e) {
      this.log?.debug({ url: ws.url(), reason: (e as Error).message }, 'WebSocket refused');
      return ws.close({ code: 1008, reason: 'refused by the crawl' });
    }
    ws.connectToServer();
  }

  async render(url: string, options: RenderOptions = {}): Promise<RenderedPage> {
    const ctx = await this.browser();
    const page = await ctx.newPage();
    this.pages.add(page);
    closePopups(page);
    // a later hop of the page's own navigation (a script's, a redirect's) that the guard refused
    let refusedNavigation: string | undefined;
    page.on('response', (r) => {
      if (frameOf(r.request()) === page.mainFrame() && r.request().isNavigationRequest() && r.headers()[REFUSED_HEADER]) refusedNavigation = r.url();
    });
    page.on('requestfailed', (r) => {
      if (frameOf(r) === page.mainFrame() && r.isNavigationRequest() && /ERR_BLOCKED_BY_CLIENT/.test(r.failure()?.errorText ?? '')) refusedNavigation = r.url();
    });
    try {
      const watch = await this.watchRequests(page, url, options);
      // each wait ends as soon as the page navigated too often, rather than at the render's timeout
      const untilStopped = <T>(p: Promise<T>): Promise<T> => {
        p.catch(() => {}); // the race's loser settles later, unheard
        return Promise.race([p, watch.stopped]);
      };
      let response;
      try {
        response = await untilStopped(page.goto(url, { waitUntil: 'load', timeout: this.options.timeoutMs }));
      } catch (e) {
        if (isCiteError(e)) throw e;
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
      await untilStopped(page.waitForLoadState('networkidle', { timeout: this.options.settleMs }).catch(() => {}));
      const html = await untilStopped(page.content());
      if (watch.refusal) throw watch.refusal;
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

  /** Whether the request is made by a page `render` opened (or one of its frames). */
  private rendering(req: Request): boolean {
    const page = frameOf(req)?.page();
    return page !== undefined && this.pages.has(page);
  }

  /**
   * Routes the page's requests, its frames' included, before the context's routes (guardContext) see
   * them. Navigations: the first main-frame one (page.goto) is the caller's to judge and passes; later ones
   * are judged, a refusal aborts them and is kept for `render` to reject with, and those let through are
   * counted. A frame's navigation is judged and counted too; a refusal aborts it silently. Other requests
   * go to `judgeSubresource`; a refusal aborts them silently.
   */
  private async watchRequests(page: Page, url: string, options: RenderOptions): Promise<NavigationWatch> {
    const judge = options.judgeNavigation;
    const judgeSubresource = options.judgeSubresource;
    let stop!: (e: CiteError) => void;
    const watch: NavigationWatch = { stopped: new Promise<never>((_resolve, reject) => (stop = reject)) };
    watch.stopped.catch(() => {}); // rejected with nobody waiting yet: render's next wait hears it
    let started = false; // page.goto's navigation went by
    let navigations = 0; // later main-frame navigations let through
    let frameNavigations = 0;
    /** Whether `judgeWith` refuses `target` (logged); no judge refuses nothing. */
    const refused = async (judgeWith: RenderOptions['judgeNavigation'], target: URL, what: string): Promise<boolean> => {
      try {
        await judgeWith?.(target);
        return false;
      } catch (e) {
        this.log?.debug({ url: target.href, page: url, reason: (e as Error).message }, `${what} refused`);
        return true;
      }
    };
    // data:, blob: and about: request nothing; other schemes are the context route's to refuse
    const isHttp = (target: URL) => target.protocol === 'http:' || target.protocol === 'https:';
    if (judgeSubresource) await page.routeWebSocket(/.*/, (ws) => this.openWebSocket(ws, judgeSubresource));
    await page.route('**/*', async (route) => {
      const req = route.request();
      const target = new URL(req.url());
      if (!req.isNavigationRequest()) {
        // never loaded (guardContext aborts them): no robots.txt to read for an image's host
        if (!judgeSubresource || SKIPPED_RESOURCES.has(req.resourceType()) || !isHttp(target)) return route.fallback();
        return (await refused(judgeSubresource, target, 'request')) ? route.abort('blockedbyclient') : route.fallback();
      }
      if (frameOf(req) === page.mainFrame()) {
        if (!started) {
          started = true;
          return route.fallback();
        }
        try {
          await judge?.(target);
        } catch (e) {
          watch.refusal ??= e;
          return route.abort('blockedbyclient');
        }
        // counted once judged: a refused navigation requests nothing
        if (++navigations > MAX_NAVIGATIONS) {
          stop(
            new CiteError('RENDER_TOO_MANY_NAVIGATIONS', `Rendering ${url} navigated more than ${MAX_NAVIGATIONS} times; stopped at ${target.href}`, {
              details: { url: target.href, max: MAX_NAVIGATIONS },
            }),
          );
          return route.abort('blockedbyclient');
        }
        return route.fallback();
      }
      // a frame (or a frame Playwright has not attached yet): never the page's main frame
      if (!isHttp(target)) return route.fallback();
      if (await refused(judge, target, 'frame navigation')) return route.abort('blockedbyclient');
      if (++frameNavigations > MAX_FRAME_NAVIGATIONS) return route.abort('blockedbyclient');
      return route.fallback();
    });
    return watch;
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

interface NavigationWatch {
  /** The judge's first refusal of a main-frame navigation: the page rendered is not the one judged. */
  refusal?: unknown;
  /** Rejects once the page navigated more than MAX_NAVIGATIONS times. */
  stopped: Promise<never>;
}

/** The request's frame; null when Playwright cannot tell (a navigation issued before its frame exists). */
function frameOf(req: Request): Frame | null {
  try {
    return req.frame();
  } catch {
    return null;
  }
}

/** Closes every popup the page (or a popup of it) opens; their navigations are aborted before that. */
function closePopups(page: Page): void {
  page.on('popup', (popup) => {
    closePopups(popup);
    void popup.close().catch(() => {});
  });
}
