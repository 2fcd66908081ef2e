/**
 * Globs matched in time linear in the text (times the glob's length), for the crawl scope, whose texts are
 * URLs a web site chose. picomatch compiles a glob into a backtracking regular expression: against a path of
 * 40 'a', `/*a*a*a*a*a*a*a*a*b` took 2.2 s and twelve such pairs 113 s, the engine's event loop held all
 * the while, and paths here run to 2,000 characters. No maintained glob library matches without
 * backtracking (V8's linear regular-expression engine refuses the lookarounds picomatch emits), hence this
 * small automaton, checked against picomatch on ordinary globs (linear-glob.test.ts).
 *
 * Syntax, as picomatch with `dot: true`: `?` one character but '/', `*` a run of characters without '/',
 * `**` as a whole segment any number of segments (`a/**` then `/b` matches `a/b`; `a/**` matches `a`), `[abc]`,
 * `[a-z]`, `[^a-z]` one character of (or not of) a class, `{a,b}` alternatives (nested, at
 * most MAX_ALTERNATIVES in all), `\` escapes the next character.
 */

type Token =
  | { kind: 'char'; ch: string }
  | { kind: 'one' }
  | { kind: 'star' }
  /** Any characters, '/' included. */
  | { kind: 'any' }
  /**
   * `**` then '/': nothing, or characters ending with '/' (zero or more whole segments). Two states: the
   * entry, which may be passed without reading, and the loop after a first character, which may not.
   */
  | { kind: 'segments' }
  | { kind: 'segments-loop' }
  | { kind: 'class'; negated: boolean; ranges: Array<[string, string]> };

/** Alternatives a glob's braces may expand to. */
export const MAX_ALTERNATIVES = 256;

export class GlobSyntaxError extends Error {}

/** A matcher for `glob`; throws GlobSyntaxError for braces that expand past MAX_ALTERNATIVES. */
export function linearGlob(glob: string): (text: string) => boolean {
  const programs = expandBraces(glob).flatMap(withOptionalTail).map(tokenize);
  return (text) => programs.some((p) => run(p, text));
}

/** As picomatch: `x/**` also matches `x`, and a glob ending with `*` also matches with one more '/'. */
function withOptionalTail(glob: string): string[] {
  if (glob.endsWith('\\*')) return [glob];
  if (glob.endsWith('/**') && glob.length > 3) return [glob, glob.slice(0, -3)];
  if (glob.endsWith('*') && !glob.endsWith('**')) return [glob, `${glob}/`];
  return [glob];
}

function expandBraces(glob: string): string[] {
  // the first top-level brace group with a comma: its alternatives, each expanded in turn
  let depth = 0;
  let open = -1;
  const commas: number[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\') i++;
    else if (c === '{') {
      if (depth++ === 0) {
        open = i;
        commas.length = 0;
      }
    } else if (c === '}' && depth > 0) {
      if (--depth === 0 && commas.length > 0) {
        const bounds = [open, ...commas, i];
        const head = glob.slice(0, open);
        const tail = glob.slice(i + 1);
        const out: string[] = [];
        for (let k = 0; k + 1 < bounds.length; k++) {
          for (const e of expandBraces(head + glob.slice(bounds[k]! + 1, bounds[k + 1]) + tail)) {
            out.push(e);
            if (out.length > MAX_ALTERNATIVES) throw new GlobSyntaxError(`braces expand to more than ${MAX_ALTERNATIVES} alternatives`);
          }
        }
        return out;
      }
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  return [glob];
}

function tokenize(glob: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) {
      tokens.push({ kind: 'char', ch: glob[++i]! });
    } else if (c === '*') {
      let end = i;
      while (glob[end + 1] === '*') end++;
      const wholeSegment = (i === 0 || glob[i - 1] === '/') && (end + 1 === glob.length || glob[end + 1] === '/');
      if (!wholeSegment || end === i) {
        // a last `*` that is a whole segment matches one character at least (`/a/*` is not `/a/`)
        if (wholeSegment && end + 1 === glob.length) tokens.push({ kind: 'one' });
        tokens.push({ kind: 'star' });
      } else if (end + 1 === glob.length) tokens.push({ kind: 'any' });
      else {
        tokens.push({ kind: 'segments' }, { kind: 'segments-loop' });
        end++; // the '/' is part of it
      }
      i = end;
    } else if (c === '?') {
      tokens.push({ kind: 'one' });
    } else if (c === '[') {
      const parsed = parseClass(glob, i);
      if (parsed) {
        tokens.push(parsed.token);
        i = parsed.end;
      } else tokens.push({ kind: 'char', ch: c });
    } else {
      tokens.push({ kind: 'char', ch: c });
    }
  }
  return tokens;
}

/** `[...]` starting at `start`; null when it never closes (the '[' is then a plain character). */
function parseClass(glob: string, start: number): { token: Token; end: number } | null {
  let i = start + 1;
  // as picomatch: `[^...]` negates, `[!...]` holds a '!'
  const negated = glob[i] === '^';
  if (negated) i++;
  const ranges: Array<[string, string]> = [];
  for (let first = true; i < glob.length; i++, first = false) {
    let c = glob[i]!;
    if (c === ']' && !first) return { token: { kind: 'class', negated, ranges }, end: i };
    if (c === '\\' && i + 1 < glob.length) c = glob[++i]!;
    if (glob[i + 1] === '-' && i + 2 < glob.length && glob[i + 2] !== ']') {
      let to = glob[i + 2]!;
      i += 2;
      if (to === '\\' && i + 1 < glob.length) to = glob[++i]!;
      ranges.push([c, to]);
    } else ranges.push([c, c]);
  }
  return null;
}

/** States reached from state `i` by reading `c`. */
function read(tokens: Token[], i: number, c: string): number[] {
  const t = tokens[i]!;
  switch (t.kind) {
    case 'char':
      return c === t.ch ? [i + 1] : [];
    case 'one':
      return c !== '/' ? [i + 1] : [];
    case 'star':
      return c !== '/' ? [i] : [];
    case 'any':
      return [i];
    case 'segments':
      // the group's first character: its closing '/' already, or the start of its loop
      return c === '/' ? [i + 2, i + 1] : [i + 1];
    case 'segments-loop':
      return c === '/' ? [i + 1, i] : [i];
    case 'class': {
      const inside = t.ranges.some(([from, to]) => c >= from && c <= to);
      return c !== '/' && inside !== t.negated ? [i + 1] : [];
    }
  }
}

/** States reached from state `i` without reading (tokens that may match nothing). */
function skip(tokens: Token[], i: number): number | null {
  const t = tokens[i];
  if (!t) return null;
  if (t.kind === 'star' || t.kind === 'any') return i + 1;
  if (t.kind === 'segments') return i + 2;
  return null;
}

/** Simulates the automaton whose states are the positions between tokens: O(text × tokens). */
function run(tokens: Token[], text: string): boolean {
  const m = tokens.length;
  let current = new Uint8Array(m + 1);
  let next = new Uint8Array(m + 1);
  const add = (set: Uint8Array, i: number | null) => {
    for (; i !== null && !set[i]; i = skip(tokens, i)) set[i] = 1;
  };
  add(current, 0);
  for (let k = 0; k < text.length; k++) {
    const c = text[k]!;
    next.fill(0);
    let alive = false;
    for (let i = 0; i < m; i++) {
      if (!current[i]) continue;
      for (const j of read(tokens, i, c)) {
        add(next, j);
        alive = true;
      }
    }
    if (!alive) return false;
    [current, next] = [next, current];
  }
  return current[m] === 1;
}
