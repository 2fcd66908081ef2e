import { describe, expect, it } from 'vitest';
import { headOf, tailOf, wellFormed } from './whole-characters.js';

/** Whether `text` holds a surrogate without its other half, as the engine that runs it reads it. */
const broken = (text: string) => !(text as string & { isWellFormed(): boolean }).isWellFormed();

describe('cuts that keep characters whole', () => {
  it('cuts before a pair the limit falls inside, and exactly elsewhere', () => {
    expect(headOf('ab😀c', 3)).toBe('ab');
    expect(headOf('ab😀c', 4)).toBe('ab😀');
    expect(headOf('abcd', 2)).toBe('ab');
    expect(headOf('ab', 5)).toBe('ab');
    expect(tailOf('a😀bc', 3)).toBe('bc');
    expect(tailOf('a😀bc', 4)).toBe('😀bc');
    expect(tailOf('abcd', 2)).toBe('cd');
  });

  it('never leaves half a pair, whatever the limit, and the result stays URI-encodable', () => {
    const text = 'é😀'.repeat(50) + '𝔸x';
    for (let max = 0; max <= text.length + 1; max++) {
      for (const cut of [headOf(text, max), tailOf(text, max)]) {
        expect(broken(cut), `${max}`).toBe(false);
        expect(cut.length).toBeGreaterThanOrEqual(Math.min(text.length, max) - 1);
        expect(() => encodeURIComponent(cut)).not.toThrow();
      }
    }
    // a plain slice would not hold: the property is the cut's, not the text's
    expect(broken(text.slice(0, 2))).toBe(true);
  });

  it('replaces each half of a pair standing alone, as toWellFormed does, and keeps whole pairs', () => {
    const text = '\ud800a😀\udc00\ud83d\ude00b\ud83d';
    expect(wellFormed(text)).toBe('\ufffda😀\ufffd😀b\ufffd');
    expect(wellFormed(text)).toBe((text as string & { toWellFormed(): string }).toWellFormed());
    expect(() => JSON.parse(JSON.stringify(wellFormed(text)))).not.toThrow();
  });
});
