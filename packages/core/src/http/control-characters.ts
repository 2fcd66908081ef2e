/**
 * Refuses NUL and the other C0 control characters (tab, line feed and carriage return excepted) in path
 * parameters, query strings and JSON bodies, keys included, with 400 INVALID_CHARACTERS before any route
 * runs (issue 21): PostgreSQL refuses NUL in text, which surfaced as 500s; no field of the API has a use
 * for the others. Unpaired UTF-16 surrogates too (JSON's "\ud800" alone): they are no character at all,
 * PostgreSQL refused them in jsonb (a 500 from answers, chat completions, sources) and text columns stored
 * them as U+FFFD.
 */
import type express from 'express';
import { CiteError } from '../errors.js';

/** Why such a string is refused, as every refusal words it (the API's, searches', query files'). */
export const UNACCEPTED_CHARACTERS = 'control characters (such as NUL, \\u0000) and unpaired surrogates are not accepted';

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The path (`query.filter.q`, `body.messages.0.content`) of the first string holding a control character, if any.
 * Query parameters holding JSON (react-admin's `filter`, `sort`, `range`) are looked into too: `\u0000` there
 * is a NUL once the route parses it.
 */
export function findControlCharacter(value: unknown, where: string, depth = 0, jsonStrings = false): string | undefined {
  if (typeof value === 'string') {
    if (CONTROL.test(value)) return where;
    if (!jsonStrings || !/^\s*[[{"]/.test(value)) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined; // not JSON: the route's validation answers
    }
    return findControlCharacter(parsed, where, depth + 1);
  }
  if (value === null || typeof value !== 'object' || depth > 64) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const at = `${where}.${key}`;
    if (CONTROL.test(key)) return at;
    const found = findControlCharacter(item, at, depth + 1, jsonStrings);
    if (found) return found;
  }
  return undefined;
}

export function rejectControlCharacters(): express.RequestHandler {
  return (req, _res, next) => {
    const where =
      findControlCharacter(req.params, 'params') ??
      findControlCharacter(req.query, 'query', 0, true) ??
      (req.body !== undefined && !Buffer.isBuffer(req.body) ? findControlCharacter(req.body, 'body') : undefined);
    if (!where) return next();
    next(
      new CiteError('INVALID_CHARACTERS', `${where}: control characters (such as NUL, \\u0000) and unpaired surrogates (such as \\ud800 alone) are not accepted`, {
        status: 400,
        details: [{ path: where, message: 'control character or unpaired surrogate' }],
      }),
    );
  };
}
