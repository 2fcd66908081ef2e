/**
 * What `cite ingest` (and uploads) accept: paths (file, directory, zip) and http(s) URLs, turned into
 * one stream of extraction outcomes. A missing path or a URL that cannot be fetched is one failed
 * outcome; the others go on.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '@cite/core/config/config.js';
import { extractOptionsFromConfig, extractSources, type ExtractOutcome, type ExtractSource } from '../extractors/extract.js';
import { Fetcher } from '../fetch/fetcher.js';

export type InputConfig = Pick<
  Config,
  | 'INGEST_MAX_FILE_BYTES'
  | 'INGEST_MAX_PDF_PAGES'
  | 'CRAWLER_USER_AGENT'
  | 'CRAWLER_ALLOW_PRIVATE_NETWORKS'
  | 'CRAWLER_TIMEOUT_MS'
  | 'CRAWLER_CONNECT_TIMEOUT_MS'
  | 'OUTBOUND_ALLOW'
>;

export const isUrl = (input: string) => /^https?:\/\//i.test(input);

/**
 * The file name a fetched URL ends with, for format detection and titles. Percent-escapes that are not UTF-8
 * (`guide%E9.pdf`, a Latin-1 server's) stay as they are: decodeURIComponent threw on them, and the document
 * fetched was reported as FETCH_FAILED.
 */
function fileNameOf(url: string): string {
  const last = new URL(url).pathname.split('/').pop() || 'index.html';
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

export async function* outcomesOf(inputs: string[], cfg: InputConfig): AsyncGenerator<ExtractOutcome> {
  const sources: ExtractSource[] = [];
  const failures: ExtractOutcome[] = [];
  const urls = inputs.filter(isUrl);
  if (urls.length) {
    const fetcher = new Fetcher({
      userAgent: cfg.CRAWLER_USER_AGENT,
      allowPrivateNetworks: cfg.CRAWLER_ALLOW_PRIVATE_NETWORKS,
      timeoutMs: cfg.CRAWLER_TIMEOUT_MS,
      connectTimeoutMs: cfg.CRAWLER_CONNECT_TIMEOUT_MS,
      maxBytes: cfg.INGEST_MAX_FILE_BYTES,
      outboundAllow: cfg.OUTBOUND_ALLOW.split(',').map((s) => s.trim()).filter(Boolean),
    });
    try {
      for (const url of urls) {
        try {
          const res = await fetcher.fetch({ url });
          if (res.status < 200 || res.status >= 300) {
            failures.push({ ok: false, location: url, code: 'FETCH_HTTP_ERROR', message: `${url} answered HTTP ${res.status}` });
            continue;
          }
          const name = fileNameOf(res.url);
          sources.push({ data: res.body, url: res.url, name, contentType: res.contentType });
        } catch (e) {
          const code = (e as { code?: string }).code;
          failures.push({
            ok: false,
            location: url,
            code: code && /^[A-Z_]+$/.test(code) ? code : 'FETCH_FAILED',
            message: `Cannot fetch ${url}: ${(e as Error).message}`,
          });
        }
      }
    } finally {
      await fetcher.close();
    }
  }
  for (const input of inputs) {
    if (isUrl(input)) continue;
    const resolved = path.resolve(input);
    const unreadable = unreadableInput(resolved);
    if (unreadable) failures.push(unreadable);
    else sources.push({ path: resolved });
  }
  yield* failures;
  if (sources.length) yield* extractSources(sources, extractOptionsFromConfig(cfg));
}

/**
 * Why a path named as an input cannot be read (the run goes on with the others), or undefined for a file or
 * a directory. Also for `cite ingest` through a running engine (engine-upload.ts), which reads the files itself.
 */
export function unreadableInput(resolved: string): { ok: false; location: string; code: 'FILE_NOT_FOUND' | 'NOT_A_FILE'; message: string } | undefined {
  if (!fs.existsSync(resolved)) {
    // a link whose target is missing, or a loop of links, exists as a link
    const dangling = fs.lstatSync(resolved, { throwIfNoEntry: false })?.isSymbolicLink();
    const message = dangling ? `${resolved} is a symbolic link that leads nowhere (a missing target, or a loop)` : `${resolved} does not exist`;
    return { ok: false, location: resolved, code: 'FILE_NOT_FOUND', message };
  }
  // a FIFO would block the run until something writes to it, /dev/zero never ends: only files and directories
  // are read (a directory's walk reports such entries as it meets them, walk-folder.ts)
  const stat = fs.statSync(resolved, { throwIfNoEntry: false });
  if (stat && !stat.isFile() && !stat.isDirectory()) {
    return { ok: false, location: resolved, code: 'NOT_A_FILE', message: `${resolved} is not a regular file or a directory (a FIFO, a device, a socket): not read` };
  }
  return undefined;
}
