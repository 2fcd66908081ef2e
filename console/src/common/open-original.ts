/**
 * "Ouvrir la source" for a document from a file: its link is the engine's `/v1/documents/:id/original`,
 * which needs the signed-in key. The key never goes into a URL (it would stay in the history, the logs and
 * the Referer): the file is fetched with the Authorization header and opened from a blob: URL, keeping the
 * link's fragment (`#page=N` for a PDF). A PDF or an image opens in a new tab; anything else (served as an
 * attachment) is saved under its name. Web links are left to the browser.
 */
import type { MouseEvent } from 'react';
import { callRaw } from '../dataProvider/http-client';

const ORIGINAL = /\/v1\/documents\/\d+\/original$/;

/** The engine's original URL on the console's own origin (a key is never sent elsewhere), or null. */
export function originalPath(href: string): { path: string; fragment: string } | null {
  let url: URL;
  try {
    url = new URL(href, window.location.href);
  } catch {
    return null;
  }
  if (url.origin !== window.location.origin || !ORIGINAL.test(url.pathname)) return null;
  return { path: url.pathname, fragment: url.hash };
}

function fileName(disposition: string | null): string {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition ?? '');
  if (star) {
    try {
      return decodeURIComponent(star[1]!);
    } catch {
      /* the plain name below */
    }
  }
  return /filename="([^"]+)"/i.exec(disposition ?? '')?.[1] ?? 'document';
}

export async function openOriginal(target: { path: string; fragment: string }, win: Window | null): Promise<void> {
  try {
    const res = await callRaw(target.path);
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    // the tab keeps its document after the URL is revoked; a download has started by then
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    if (win && /^inline/i.test(res.headers.get('content-disposition') ?? '')) {
      win.location.href = `${url}${target.fragment}`;
      return;
    }
    win?.close();
    const a = document.createElement('a');
    a.href = url;
    a.download = fileName(res.headers.get('content-disposition'));
    document.body.appendChild(a);
    a.click();
    a.remove();
  } catch (e) {
    win?.close();
    throw e;
  }
}

/**
 * onClick for a link or button to a source: an engine original is opened with the key (the tab is opened
 * now, inside the click, so that no pop-up blocker stops it), any other link goes its way.
 */
export function sourceClick(href: string, onError?: (e: unknown) => void) {
  return (event: MouseEvent) => {
    const target = originalPath(href);
    if (!target) return;
    event.preventDefault();
    event.stopPropagation();
    const win = window.open('', '_blank');
    if (win) win.opener = null;
    openOriginal(target, win).catch((e) => (onError ? onError(e) : console.error(e)));
  };
}
