/**
 * JavaScript rendering with playwright-core driving the system's Chromium (no bundled browser
 * download). One browser per worker, launched on first need with a fresh profile directory;
 * each page gets its own context. Sub-requests go through the same address guard as the fetcher.
 * PDFs and other binaries never come here: the pipeline renders HTML only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import type { Logger } from 'pino';
import { CiteError } from '@cite/engine/errors.js';
import { assertCrawlTarget, countOutbound } from '@cite/engine/outbound/outbound-guard.js';
import { assertResolvesPublic } from '../fetch/address-guard.js';

export interface RendererOptions {
  chromiumPath: string;
  userAgent: string;
  allowPrivateNetworks: boolean;
  timeoutMs: number;
  /** Time to wait for the network to settle after load (ms). */
  settleMs: number;
  /** Largest rendered HTML kept (characters). */
  maxChars: number;
}

export const RENDER_DEFAULTS = { timeoutMs: 30_000, settleMs: 1_500, maxChars: 20 * 1024 * 1024 };

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
];

/** Resource types a text extractor never needs: skipping them makes rendering several times faster. */
const SKIPPED_RESOURCES = new Set(['image', 'media', 'font', 'stylesheet']);

export interface RenderedPage {
  url: string;
  html: string;
}

export class Renderer {
  private readonly options: RendererOptions;
  private context: Promise<BrowserContext> | null = null;
  private profileDir: string | null = null;

  constructor(
    options: Partial<RendererOptions> & Pick<RendererOptions, 'chromiumPath' | 'userAgent' | 'allowPrivateNetworks'>,
    private readonly log?: Logger,
  ) {
    this.options = { ...RENDER_DEFAULTS, ...options };
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
      this.context = import('playwright-core')
        .then(({ chromium }) => chromium.launchPersistentContext(this.profileDir!, {
          executablePath: this.options.chromiumPath,
          headless: true,
          args: CHROMIUM_ARGS,
          userAgent: this.options.userAgent,
          javaScriptEnabled: true,
          acceptDownloads: false,
          serviceWorkers: 'block',
          timeout: this.options.timeoutMs,
        }))
        .catch((e: unknown) => {
          this.context = null;
          throw new CiteError('RENDER_UNAVAILABLE', `Cannot start Chromium: ${(e as Error).message}`, { cause: e });
        });
      this.log?.info({ chromium: this.options.chromiumPath }, 'browser launched');
    }
    return this.context;
  }

  async render(url: string): Promise<RenderedPage> {
    const ctx = await this.browser();
    const page = await ctx.newPage();
    try {
      await page.route('**/*', async (route) => {
        const req = route.request();
        if (SKIPPED_RESOURCES.has(req.resourceType())) return route.abort();
        try {
          const u = new URL(req.url());
          if (u.protocol === 'data:' || u.protocol === 'blob:') return route.continue();
          if (u.protocol !== 'http:' && u.protocol !== 'https:') return route.abort();
          await assertResolvesPublic(u, this.options.allowPrivateNetworks);
          await assertCrawlTarget(u);
          countOutbound(u);
          return route.continue();
        } catch {
          return route.abort('addressunreachable');
        }
      });
      let response;
      try {
        response = await page.goto(url, { waitUntil: 'load', timeout: this.options.timeoutMs });
      } catch (e) {
        throw new CiteError('RENDER_FAILED', `Rendering ${url} failed: ${(e as Error).message.split('\n')[0]}`, {
          cause: e,
          retryable: true,
        });
      }
      await page.waitForLoadState('networkidle', { timeout: this.options.settleMs }).catch(() => {});
      const html = await page.content();
      if (html.length > this.options.maxChars) {
        throw new CiteError('RENDER_TOO_LARGE', `Rendered page ${url} is larger than ${this.options.maxChars} characters`);
      }
      return { url: response?.url() ?? page.url(), html };
    } finally {
      await page.close().catch(() => {});
    }
  }

  async close(): Promise<void> {
    const ctx = this.context;
    this.context = null;
    if (ctx) await (await ctx.catch(() => null))?.close().catch(() => {});
    if (this.profileDir) fs.rmSync(this.profileDir, { recursive: true, force: true });
    this.profileDir = null;
  }
}

/**
 * `auto` mode: render when the static page shows almost no text but loads scripts
 * (single-page apps, pages filled by JavaScript).
 */
export function needsRendering(html: string, minTextChars = 200): boolean {
  if (!/<script[\s>]/i.test(html)) return false;
  const body = /<body[^>]*>([\s\S]*)<\/body>/i.exec(html)?.[1] ?? html;
  const text = body
    .replace(/<script[\s\S]*?<\/script>/gi, ' ')
    .replace(/<style[\s\S]*?<\/style>/gi, ' ')
    .replace(/<noscript[\s\S]*?<\/noscript>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z#0-9]+;/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length < minTextChars;
}
