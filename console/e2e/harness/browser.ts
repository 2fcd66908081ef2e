/**
 * Debian's chromium driven by playwright-core, with a fresh profile per run. Every page's console
 * errors and uncaught exceptions are collected: the tests fail on any that was not expected.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// the same launch flags as the crawler's renderer (no background network, fresh profile)
import { CHROMIUM_ARGS } from '@cite/ingestion/render/renderer.js';

export { CHROMIUM_ARGS };
export const WIDE = { width: 1280, height: 800 };
export const NARROW = { width: 390, height: 844 };
export const SCREENSHOTS = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'screenshots');

export interface BrowserSession {
  context: BrowserContext;
  /** A new tab (its own sessionStorage: a fresh sign-in). */
  page(viewport?: { width: number; height: number }): Promise<Page>;
  /** Console errors and page errors seen since the last call (minus those allowed), then forgets them. */
  errors(): string[];
  /** Ignore errors matching this pattern while `fn` runs (a deliberately refused request). */
  allowing<T>(pattern: RegExp, fn: () => Promise<T>): Promise<T>;
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/** `locale`: the browser's own language (fr-FR unless a test checks the console does not depend on it). */
export async function openBrowser(options: { locale?: string } = {}): Promise<BrowserSession> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-e2e-profile-'));
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: WIDE,
    locale: options.locale ?? 'fr-FR',
    timezoneId: 'Europe/Paris',
  });
  const seen: string[] = [];
  const allowed: RegExp[] = [];
  const record = (where: string, text: string) => {
    if (allowed.some((re) => re.test(text))) return;
    seen.push(`${where}: ${text}`);
  };
  const watch = (p: Page) => {
    p.on('console', (msg) => {
      if (msg.type() === 'error') record(p.url(), `${msg.text()} ${msg.location()?.url ?? ''}`);
    });
    p.on('pageerror', (err) => record(p.url(), `uncaught ${err.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    async page(viewport = WIDE) {
      const p = await context.newPage();
      await p.setViewportSize(viewport);
      return p;
    },
    errors: () => seen.splice(0),
    async allowing(pattern, fn) {
      allowed.push(pattern);
      try {
        return await fn();
      } finally {
        allowed.splice(allowed.indexOf(pattern), 1);
      }
    },
    async screenshot(p, name) {
      const file = path.join(SCREENSHOTS, `${name}.png`);
      await p.screenshot({ path: file, fullPage: false });
      return file;
    },
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in on the console's key screen with the keyboard only (the field has focus, Enter submits). */
export async function signIn(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/console/`);
  await page.locator('#api-key').waitFor();
  await page.keyboard.type(key);
  await page.keyboard.press('Enter');
  await page.locator('#api-key').waitFor({ state: 'detached' });
}
