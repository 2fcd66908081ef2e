/** Experimental hash embedder variants for bench/hash-quality.ts (scratch). */
import { normalise } from '@cite/core/embeddings/embedder.js';
import { fold } from '@cite/core/text/fold.js';
import type { Variant } from './hash-quality.js';

const STOP = new Set(
  (
    'a au aux avec ce ces cet cette c d dans de des du elle elles en est et etre eux il ils j je l la le les leur leurs lui ' +
    'm ma mais me meme mes moi mon n ne nos notre nous on ou par pas pour qu que qui s sa se ses son sur t ta te tes toi ton tu ' +
    'un une vos votre vous y sont ont ete avoir fait etc ni si sans sous vers chez donc car dont cela ceci ca lors ainsi'
  ).split(/\s+/),
);
const QSTOP = new Set([
  ...STOP,
  ...'comment quel quelle quels quelles quoi combien pourquoi quand peut peuvent faut faire doit dois veux voudrais puis ai as avez est suis svp aux'.split(' '),
]);

export interface Opts {
  dim: number;
  stop: boolean;
  stem: boolean;
  wordWeight: number;
  bigramWeight: number;
  tri: number;
  quad: number;
  five?: number;
  /** weight of the first line (context) in documents */
  contextWeight?: number;
  /** damping: 'sqrt' | 'log' | 'none' */
  damp?: 'sqrt' | 'log' | 'none';
  /** n-grams of the word without boundary marks only */
  lengthWeight?: boolean;
  qstop?: boolean;
}

export function stemLight(w: string): string {
  if (w.length > 4 && (w.endsWith('s') || w.endsWith('x'))) w = w.slice(0, -1);
  if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1);
  if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

function fnv(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

export class HashV2 {
  readonly id = 'hash-x';
  readonly dimension: number;
  constructor(readonly o: Opts) {
    this.dimension = o.dim;
  }
  async embedDocuments(t: readonly string[]) {
    return t.map((x) => this.embed(x));
  }
  async embedQuery(t: string) {
    return this.embed(t);
  }
  countTokens() {
    return 0;
  }
  words(text: string): string[] {
    const ws = fold(text).split(/[^a-z0-9]+/).filter(Boolean);
    const stop = this.o.qstop ? QSTOP : STOP;
    return ws.filter((w) => !(this.o.stop && stop.has(w))).map((w) => (this.o.stem ? stemLight(w) : w));
  }
  add(v: Float32Array, h: number, w: number) {
    v[h % this.o.dim]! += (h & 0x80000000) !== 0 ? -w : w;
  }
  addText(v: Float32Array, text: string, scale: number) {
    const ws = this.words(text);
    const o = this.o;
    let prev = '';
    for (const w of ws) {
      const lw = o.lengthWeight ? Math.min(1, w.length / 5) : 1;
      this.add(v, fnv(w, 0x9e3779b1), o.wordWeight * scale * lw);
      const b = `<${w}>`;
      if (o.tri) for (let j = 0; j + 3 <= b.length; j++) this.add(v, fnv(b.slice(j, j + 3), 3), o.tri * scale * lw);
      if (o.quad) for (let j = 0; j + 4 <= b.length; j++) this.add(v, fnv(b.slice(j, j + 4), 4), o.quad * scale * lw);
      if (o.five) for (let j = 0; j + 5 <= b.length; j++) this.add(v, fnv(b.slice(j, j + 5), 5), o.five * scale * lw);
      if (o.bigramWeight && prev) this.add(v, fnv(`${prev} ${w}`, 7), o.bigramWeight * scale);
      prev = w;
    }
  }
  embed(text: string): Float32Array {
    const v = new Float32Array(this.o.dim);
    const cw = this.o.contextWeight ?? 1;
    const nl = text.indexOf('\n');
    if (cw !== 1 && nl > 0) {
      this.addText(v, text.slice(0, nl), cw);
      this.addText(v, text.slice(nl + 1), 1);
    } else this.addText(v, text, 1);
    const damp = this.o.damp ?? 'sqrt';
    for (let i = 0; i < v.length; i++) {
      const c = v[i]!;
      if (damp === 'sqrt') v[i] = c > 0 ? Math.sqrt(c) : c < 0 ? -Math.sqrt(-c) : 0;
      else if (damp === 'log') v[i] = c > 0 ? Math.log1p(c) : c < 0 ? -Math.log1p(-c) : 0;
    }
    return normalise(v);
  }
}

const base: Opts = { dim: 384, stop: false, stem: false, wordWeight: 2, bigramWeight: 0, tri: 1, quad: 1 };
const mk = (name: string, o: Partial<Opts>) => () => ({ name, embedder: new HashV2({ ...base, ...o }) }) as Variant;

export const variants: Record<string, () => Variant> = {
  v2base: mk('v2base', {}),
  stop: mk('stop', { stop: true }),
  stopstem: mk('stopstem', { stop: true, stem: true }),
  stopstem_bi: mk('stopstem_bi', { stop: true, stem: true, bigramWeight: 1 }),
  stopstem_768: mk('stopstem_768', { stop: true, stem: true, dim: 768 }),
  stopstem_w4: mk('stopstem_w4', { stop: true, stem: true, wordWeight: 4 }),
  stopstem_ctx2: mk('stopstem_ctx2', { stop: true, stem: true, contextWeight: 2 }),
  stopstem_nogram4: mk('stopstem_nogram4', { stop: true, stem: true, quad: 0 }),
  stopstem_len: mk('stopstem_len', { stop: true, stem: true, lengthWeight: true }),
  ctx3: mk('ctx3', { stop: true, stem: true, contextWeight: 3 }),
  qstop: mk('qstop', { stop: true, stem: true, qstop: true }),
  qstop_ctx2_768: mk('qstop_ctx2_768', { stop: true, stem: true, qstop: true, contextWeight: 2, dim: 768 }),
  ctx5: mk('ctx5', { stop: true, stem: true, contextWeight: 5 }),
  ctx8: mk('ctx8', { stop: true, stem: true, contextWeight: 8 }),
  ctx5q: mk('ctx5q', { stop: true, stem: true, contextWeight: 5, qstop: true }),
  ctx5bi: mk('ctx5bi', { stop: true, stem: true, contextWeight: 5, bigramWeight: 1 }),
  ctx5nostem: mk('ctx5nostem', { stop: true, stem: false, contextWeight: 5 }),
  ctx12: mk('ctx12', { stop: true, stem: true, contextWeight: 12 }),
  ctx8q: mk('ctx8q', { stop: true, stem: true, contextWeight: 8, qstop: true }),
  stopstem_log: mk('stopstem_log', { stop: true, stem: true, damp: 'log' }),
};
