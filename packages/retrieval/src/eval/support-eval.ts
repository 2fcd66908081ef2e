/**
 * Scores the citation check on labelled claims (bench/claims): each line is a real passage, a question it
 * answers, and sentences a model could write citing it, labelled `supported` or `unsupported`.
 * Every sentence goes through `verifyAnswer`, the check answers get, with the question. Pure.
 */
import fs from 'node:fs';
import { verifyAnswer } from '../answers/verify.js';
import type { NumberedSource } from '../answers/types.js';

export interface ClaimItem {
  id: string;
  question: string;
  passage: { url: string; title: string; text: string };
  claims: { claim: string; label: 'supported' | 'unsupported'; kind: string }[];
}

export interface ScoredClaim {
  id: string;
  claim: string;
  label: 'supported' | 'unsupported';
  kind: string;
  /** The citation's support score (0..1). */
  score: number;
  /** Whether the check marked the citation supported. */
  accepted: boolean;
}

export interface ClaimRates {
  n: number;
  /** Share of supported claims the check accepted. */
  supportedAccepted: number;
  /** Share of unsupported claims the check refused. */
  unsupportedRefused: number;
  /** Mean of the two (of the one there is, for a single label). */
  balanced: number;
}

export function readClaims(file: string): ClaimItem[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((line, i) => {
      const item = JSON.parse(line) as ClaimItem;
      if (typeof item.question !== 'string' || typeof item.passage?.text !== 'string' || !Array.isArray(item.claims)) {
        throw new Error(`${file}:${i + 1}: not a claims line ({id, question, passage: {text}, claims: [...]})`);
      }
      for (const c of item.claims) {
        if (c.label !== 'supported' && c.label !== 'unsupported') throw new Error(`${file}:${i + 1}: label ${String(c.label)}`);
      }
      return item;
    });
}

export function scoreClaims(items: ClaimItem[], threshold?: number): ScoredClaim[] {
  return items.flatMap((item) => {
    const source: NumberedSource = {
      n: 1,
      chunk_id: item.id,
      text: item.passage.text,
      heading_path: [],
      locator: {},
      score: 1,
      document: { id: item.id, url: item.passage.url, title: item.passage.title },
    };
    return item.claims.map((c) => {
      const text = /\[1\]/.test(c.claim) ? c.claim : `${c.claim} [1]`;
      const citation = verifyAnswer(text, [source], { threshold, question: item.question }).citations[0];
      const { claim, label, kind } = c;
      return { id: item.id, claim, label, kind, score: citation?.support ?? 0, accepted: citation?.supported === true };
    });
  });
}

export function claimRates(rows: ScoredClaim[], accepted: (r: ScoredClaim) => boolean = (r) => r.accepted): ClaimRates {
  const share = (xs: ScoredClaim[], f: (r: ScoredClaim) => boolean) => (xs.length ? xs.filter(f).length / xs.length : NaN);
  const a = share(rows.filter((r) => r.label === 'supported'), accepted);
  const b = share(rows.filter((r) => r.label === 'unsupported'), (r) => !accepted(r));
  const parts = [a, b].filter((x) => !Number.isNaN(x));
  return { n: rows.length, supportedAccepted: a, unsupportedRefused: b, balanced: parts.reduce((s, x) => s + x, 0) / parts.length };
}
