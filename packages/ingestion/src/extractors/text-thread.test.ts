import { describe, expect, it } from 'vitest';
import { extractMarkdown, extractText } from './text.js';
import { readText, TEXT_THREAD_MIN_CHARS } from './text-thread.js';

/** A Markdown file of `articles` sections (~300 characters each). */
function markdown(articles: number): string {
  const parts = ['# Code du travail\n'];
  for (let i = 0; i < articles; i++) {
    parts.push(`## Article L${1000 + i}\n\nLe salarié dont le contrat ${i} est rompu a droit à un préavis.\n\n- sa durée est fixée par la loi ;\n- ou par la convention collective.\n`);
  }
  return parts.join('\n');
}

const soon = (ms = 60_000) => Date.now() + ms;

describe('readText', () => {
  it('reads a large text in its thread as the calling thread would, while timers keep running', async () => {
    const text = markdown(30_000);
    expect(text.length).toBeGreaterThan(4 * TEXT_THREAD_MIN_CHARS);
    const input = { text, url: 'file:///code-du-travail.md', fallbackTitle: 'code-du-travail' };
    await readText('markdown', input, soon()); // the thread's start (tsx compiling the reader) is not what is measured

    let ticks = 0;
    const timer = setInterval(() => ticks++, 2);
    const started = performance.now();
    const read = await readText('markdown', input, soon());
    const took = performance.now() - started;
    clearInterval(timer);
    expect(read).toEqual(extractMarkdown(input));
    expect(read.sections).toHaveLength(30_000);
    // on the calling thread, no timer would run until the reading is over
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(took / 50));
    expect(ticks).toBeGreaterThan(3);
    expect(await readText('text', input, soon())).toEqual(extractText(input));
  });

  it('leaves small texts on the calling thread, and stops a reading past its deadline', async () => {
    const small = { text: markdown(10), url: 'file:///petit.md' };
    // a deadline already past: only a thread would look at it
    expect((await readText('markdown', small, Date.now() - 1)).sections.length).toBeGreaterThan(5);
    const large = { text: markdown(200_000), url: 'file:///grand.md' };
    await expect(readText('markdown', large, soon(20))).rejects.toMatchObject({ code: 'EXTRACT_TIMEOUT' });
  });
});
