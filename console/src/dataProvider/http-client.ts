/**
 * Every request the console makes goes through here: the Bearer key is added, and an error answer
 * `{code, message}` becomes an HttpError carrying both, so react-admin's notifications show the
 * engine's message and `checkError` sees the status.
 */
import { fetchUtils, HttpError } from 'react-admin';
import { getSession } from './session';

export interface ApiErrorBody {
  code?: string;
  message?: string;
  details?: unknown;
}

function withAuth(headers?: HeadersInit): Headers {
  const h = new Headers(headers);
  const s = getSession();
  if (s?.key) h.set('Authorization', `Bearer ${s.key}`);
  // signed in with the provider: the cookie goes by itself, writes add the session's CSRF token
  if (s?.csrf) h.set('X-CSRF-Token', s.csrf);
  if (!h.has('Accept')) h.set('Accept', 'application/json');
  return h;
}

/**
 * `VALIDATION_FAILED` details (`[{path: 'body.max_pages', message}]`) become react-admin's
 * `body.errors`, so the server's own validation shows under the matching form field (`body.dila_filter.texts.0`
 * under `dila_filter.texts`, the list's input).
 */
export function withFieldErrors(body: ApiErrorBody & { errors?: Record<string, string> }): typeof body {
  if (!Array.isArray(body.details)) return body;
  const errors: Record<string, string> = {};
  for (const d of body.details as { path?: string; message?: string }[]) {
    const parts = String(d.path ?? '').split('.');
    if (parts[0] !== 'body' || !parts[1]) continue;
    // a nested setting's field (`dila_filter.texts`), not an item of a list (`start_urls.0`)
    const field = parts.slice(1);
    const item = field.findIndex((p) => /^\d+$/.test(p));
    errors[(item < 0 ? field : field.slice(0, item)).join('.')] ??= String(d.message ?? '');
  }
  return Object.keys(errors).length ? { ...body, errors } : body;
}

/** For ra-data-simple-rest. */
export const httpClient = async (url: string, options: fetchUtils.Options = {}) => {
  try {
    return await fetchUtils.fetchJson(url, { ...options, headers: withAuth(options.headers as HeadersInit) });
  } catch (e) {
    if (e instanceof HttpError && e.body && typeof e.body === 'object') {
      throw new HttpError(e.message, e.status, withFieldErrors(e.body as ApiErrorBody));
    }
    throw e;
  }
};

export async function errorFrom(res: Response): Promise<HttpError> {
  let body: ApiErrorBody | undefined;
  try {
    body = (await res.json()) as ApiErrorBody;
  } catch {
    body = undefined;
  }
  const message = body?.message ?? `${res.status} ${res.statusText}`;
  return new HttpError(message, res.status, body ?? {});
}

/** JSON call outside the simple REST conventions (/v1/*, actions such as crawl or reindex). */
export async function callJson<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const headers = withAuth(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const res = await fetch(path, { ...init, headers, body });
  if (!res.ok) throw await errorFrom(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A GET with the signed-in key in the Authorization header (files such as a document's original). */
export async function callRaw(path: string, signal?: AbortSignal): Promise<Response> {
  const res = await fetch(path, { headers: withAuth({ Accept: '*/*' }), signal });
  if (!res.ok) throw await errorFrom(res);
  return res;
}

/** Raw streaming call: returns the response once headers arrive (SSE). */
export async function callStream(path: string, json: unknown, signal?: AbortSignal): Promise<Response> {
  const headers = withAuth({ 'Content-Type': 'application/json', Accept: 'text/event-stream' });
  const res = await fetch(path, { method: 'POST', headers, body: JSON.stringify(json), signal });
  if (!res.ok) throw await errorFrom(res);
  return res;
}

/** Multipart upload with progress (fetch cannot report upload progress; XMLHttpRequest can). */
export function uploadWithProgress<T>(
  path: string,
  form: FormData,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    withAuth().forEach((v, k) => xhr.setRequestHeader(k, v));
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(body as T);
      } else {
        const b = (body ?? {}) as ApiErrorBody;
        reject(new HttpError(b.message ?? `${xhr.status} ${xhr.statusText}`, xhr.status, b));
      }
    };
    xhr.onerror = () => reject(new HttpError('Network error', 0, {}));
    xhr.onabort = () => reject(new HttpError('Upload cancelled', 0, {}));
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(form);
  });
}
