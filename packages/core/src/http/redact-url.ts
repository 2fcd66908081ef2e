/**
 * Credentials in URLs: query parameters named like a secret (api_key, key, token, access_token, password,
 * secret, signature…) and the password of `user:password@`. Request logs and the audit log keep the URL with
 * those values replaced, so a key sent as `?api_key=` never reaches a log line. Pure.
 */

export const REDACTED = '[REDACTED]';

const SECRET_NAMES = new Set(['key', 'apikey', 'auth', 'authorization', 'password', 'passwd', 'pwd', 'secret', 'sig', 'signature', 'credential', 'credentials', 'session', 'sessionid']);

/** A credential's name: one of SECRET_NAMES, `…_key`, or any name holding token, secret, passw or api_key (case and `-`/`.` aside). */
export function isSecretParamName(name: string): boolean {
  const n = name.toLowerCase().replace(/[-.\s]/g, '_');
  return SECRET_NAMES.has(n) || /_key$|token|secret|passw|api_?key|_sig$/.test(n);
}

/**
 * The URL (absolute, or a path with its query as Express sees it) with credential values replaced.
 * Everything else is left byte for byte, so logs still show what was asked.
 */
export function redactUrl(url: string): string {
  let out = url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:)([^/?#@]*)@/i, (_m, head: string) => `${head}${REDACTED}@`);
  const q = out.indexOf('?');
  if (q < 0) return out;
  const hash = out.indexOf('#', q);
  const query = out.slice(q + 1, hash < 0 ? undefined : hash);
  const redacted = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        /* keep the raw name */
      }
      return eq >= 0 && isSecretParamName(name) ? `${rawName}=${REDACTED}` : pair;
    })
    .join('&');
  out = out.slice(0, q + 1) + redacted + (hash < 0 ? '' : out.slice(hash));
  return out;
}

/** Deep copy of a JSON-like value with every string that looks like a URL redacted (audit before/after). */
export function redactUrlsIn(value: unknown): unknown {
  if (typeof value === 'string') return /^(https?:\/\/|\/)\S*[?@]/i.test(value) ? redactUrl(value) : value;
  if (Array.isArray(value)) return value.map(redactUrlsIn);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, redactUrlsIn(v)]));
  }
  return value;
}
