/**
 * Citation markers in generated text: `[1]`, `[1, 3]`, `[1-3]`, `[[2]]`, `[Source 2]`, `【1】`.
 * Parsing rewrites every marker to the canonical `[n]` form (one per source, `[1][3]`), drops the
 * numbers that point at no retrieved source and counts them. Pure: no I/O, no state.
 */

export interface Marker {
  /** Offsets of the canonical marker in the cleaned text. */
  start: number;
  end: number;
  numbers: number[];
}

export interface ParsedCitations {
  /** The text with markers canonicalised and invalid references removed. */
  text: string;
  markers: Marker[];
  /** Valid source numbers in order of first use. */
  used: number[];
  /** References to a source number that does not exist (each number counted once per marker). */
  removed: number;
}

/** Matches one marker group; group 1 holds the list of numbers. */
const MARKER =
  /\[\[?\s*((?:(?:sources?|src|réf\.?|ref\.?)\s*)?\d+(?:\s*(?:,|;|-|–|et|and)\s*(?:(?:sources?|src|réf\.?|ref\.?)\s*)?\d+)*)\s*\]\]?|【\s*(\d+)(?:†[^】]*|\s*)】/giu;

const MAX_RANGE = 20;

/** Numbers listed in the inside of a marker: "1, 3" → [1, 3]; "2-4" → [2, 3, 4]. */
export function markerNumbers(inner: string): number[] {
  const cleaned = inner.replace(/sources?|src|réf\.?|ref\.?/giu, ' ');
  const out: number[] = [];
  for (const part of cleaned.split(/\s*(?:,|;|\bet\b|\band\b)\s*/u)) {
    const range = /^\s*(\d+)\s*[-–]\s*(\d+)\s*$/.exec(part);
    if (range) {
      const a = Number(range[1]);
      const b = Number(range[2]);
      if (b >= a && b - a < MAX_RANGE) for (let k = a; k <= b; k++) out.push(k);
      else out.push(a, b);
      continue;
    }
    const single = /^\s*(\d+)\s*$/.exec(part);
    if (single) out.push(Number(single[1]));
  }
  return [...new Set(out)];
}

export function parseCitations(text: string, sourceCount: number): ParsedCitations {
  const markers: Marker[] = [];
  const used: number[] = [];
  let removed = 0;
  let out = '';
  let last = 0;
  for (const m of text.matchAll(MARKER)) {
    const index = m.index ?? 0;
    const numbersIn = markerNumbers(m[1] ?? m[2] ?? '');
    const valid = numbersIn.filter((n) => n >= 1 && n <= sourceCount);
    removed += numbersIn.length - valid.length;
    let before = text.slice(last, index);
    if (valid.length === 0) {
      // Drop the marker and the space that introduced it, so "claim [9]." becomes "claim.".
      before = before.replace(/[ \t]+$/, '');
      out += before;
    } else {
      out += before;
      const canonical = valid.map((n) => `[${n}]`).join('');
      markers.push({ start: out.length, end: out.length + canonical.length, numbers: valid });
      out += canonical;
      for (const n of valid) if (!used.includes(n)) used.push(n);
    }
    last = index + m[0].length;
  }
  out += text.slice(last);
  return { text: out, markers, used, removed };
}

/**
 * Source text quoted in an answer, its marker look-alikes in parentheses ("[2]" → "(2)"): a page's own
 * footnote calls, or markers a page plants ("… supprimé [1][2][3].") to lend its sentence other
 * sources' authority, are then not read as Cité's citations of the sources numbered so.
 */
export function defuseMarkers(text: string): string {
  return text.replace(MARKER, (m) => `(${m.replace(/^\[\[?\s*|^【\s*/u, '').replace(/\s*\]\]?$|\s*】$/u, '')})`);
}

/** Removes every marker (for comparing a claim's words with a passage). */
export function stripMarkers(text: string): string {
  return text.replace(MARKER, '').replace(/[ \t]+([.,;:!?])/g, '$1').trim();
}

/**
 * Filters a token stream: markers pointing at no source are removed on the fly and the
 * abstention sentinel is swallowed, so streamed text matches the verified text as closely as
 * possible. Text is held back only while a `[` may still open a marker.
 */
export function createMarkerFilter(sourceCount: number, sentinel = 'NO_ANSWER'): {
  push(chunk: string): string;
  flush(): string;
} {
  let pending = '';
  const resolve = (final: boolean): string => {
    let out = '';
    while (pending.length) {
      const open = pending.search(/[[【]/u);
      if (open === -1) {
        // Trailing spaces wait: they must vanish if the next thing is a removed marker.
        const keep = final ? pending.length : pending.length - /[ \t]*$/.exec(pending)![0].length;
        out += pending.slice(0, keep);
        pending = pending.slice(keep);
        break;
      }
      const wsStart = open - /[ \t]*$/.exec(pending.slice(0, open))![0].length;
      out += pending.slice(0, wsStart);
      pending = pending.slice(wsStart);
      const rel = open - wsStart;
      const closeIdx = pending.slice(rel).search(/\](?!\])|】/u);
      if (closeIdx === -1) {
        // Still open: a marker is at most a few dozen characters; beyond that it is ordinary text.
        if (!final && pending.length - rel < 40 && /^[[【][[\s\w,;\-–éè.†]*$/u.test(pending.slice(rel))) break;
        out += pending.slice(0, rel + 1);
        pending = pending.slice(rel + 1);
        continue;
      }
      let end = rel + closeIdx + 1;
      if (pending[end] === ']') end++;
      const candidate = pending.slice(0, end);
      pending = pending.slice(end);
      if (candidate.replace(/[[\]\s]/g, '') === sentinel) continue;
      out += parseCitations(candidate, sourceCount).text;
    }
    return out;
  };
  return {
    push(chunk: string) {
      pending += chunk;
      return resolve(false);
    },
    flush() {
      return resolve(true);
    },
  };
}
