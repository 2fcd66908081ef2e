/**
 * Cuts an answer into what the screen draws: plain text, citation markers ([1], [1, 3]) and
 * unsupported sentences (drawn marked, their own markers still clickable). Pure, so the rules for
 * odd inputs (markers pointing nowhere, overlapping sentences) live in one place.
 */
import type { UnsupportedSentence } from './answer-types';

export type Segment =
  | { kind: 'text'; text: string; unsupported: boolean }
  | { kind: 'cite'; numbers: number[]; raw: string; unsupported: boolean };

const MARKER = /\[\[?(\d+(?:\s*[,;]\s*\d+)*)\]?\]/g;

function unsupportedRanges(answer: string, unsupported: (UnsupportedSentence | string)[] | undefined): [number, number][] {
  const ranges: [number, number][] = [];
  for (const u of unsupported ?? []) {
    if (typeof u !== 'string' && typeof u.start === 'number' && typeof u.end === 'number' && u.end > u.start) {
      ranges.push([u.start, Math.min(u.end, answer.length)]);
      continue;
    }
    const sentence = (typeof u === 'string' ? u : (u.sentence ?? u.text ?? '')).trim();
    if (!sentence) continue;
    const at = answer.indexOf(sentence);
    if (at >= 0) ranges.push([at, at + sentence.length]);
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}

export function segmentAnswer(answer: string, unsupported?: (UnsupportedSentence | string)[]): Segment[] {
  const ranges = unsupportedRanges(answer, unsupported);
  const isUnsupported = (i: number) => ranges.some(([s, e]) => i >= s && i < e);
  // Cut points: every range boundary, so each piece is wholly in or out of an unsupported sentence.
  const cuts = new Set<number>([0, answer.length]);
  for (const [s, e] of ranges) {
    cuts.add(s);
    cuts.add(e);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: Segment[] = [];
  for (let p = 0; p < points.length - 1; p++) {
    const piece = answer.slice(points[p], points[p + 1]);
    const flagged = isUnsupported(points[p]!);
    let last = 0;
    for (const m of piece.matchAll(MARKER)) {
      if (m.index! > last) out.push({ kind: 'text', text: piece.slice(last, m.index), unsupported: flagged });
      const numbers = m[1]!.split(/[,;]/).map((s) => Number(s.trim()));
      out.push({ kind: 'cite', numbers, raw: m[0], unsupported: flagged });
      last = m.index! + m[0].length;
    }
    if (last < piece.length) out.push({ kind: 'text', text: piece.slice(last), unsupported: flagged });
  }
  return out;
}
