import { describe, expect, it } from 'vitest';
import { countJsonlLines, parseEvalJsonl, toJsonlLine } from './eval-sets-import.js';

const cdtnLine = JSON.stringify({
  id: 'q0000',
  query: '13eme mois',
  variants: ['13 eme mois', 'treizième mois', '13eme mois'],
  gold: [
    { url: 'https://www.service-public.fr/particuliers/vosdroits/F2301', grade: 3 },
    { url: 'https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000006902819', grade: 2 },
  ],
});
const spfLine = JSON.stringify({
  id: 'spf-F34355',
  question: "Qu'est-ce que la médiation familiale ?",
  answer: 'une autre voie dans le règlement de conflits',
  gold: [{ url: 'https://www.service-public.fr/particuliers/vosdroits/F34355', grade: 1 }],
});

describe('eval set import (JSONL)', () => {
  it('reads the cdtn-dev format: query, variants as phrasings (the query itself not repeated), graded gold', async () => {
    const parsed = await parseEvalJsonl(`${cdtnLine}\n`);
    expect(parsed.errors).toEqual([]);
    expect(parsed.items).toEqual([
      {
        external_id: 'q0000',
        question: '13eme mois',
        phrasings: ['13 eme mois', 'treizième mois'],
        gold: [
          { url: 'https://www.service-public.fr/particuliers/vosdroits/F2301', grade: 3 },
          { url: 'https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000006902819', grade: 2 },
        ],
        expected_answer: null,
      },
    ]);
  });

  it('reads the spf-qa-dev format: question and expected answer', async () => {
    const parsed = await parseEvalJsonl(`\uFEFF${spfLine}\r\n\r\n`);
    expect(parsed.errors).toEqual([]);
    expect(parsed.lines).toBe(1);
    expect(parsed.items[0]).toMatchObject({ external_id: 'spf-F34355', question: "Qu'est-ce que la médiation familiale ?", expected_answer: 'une autre voie dans le règlement de conflits', phrasings: [] });
  });

  it('reports every invalid line with its number and reason, and keeps the valid ones', async () => {
    const lines = [
      cdtnLine, // 1 ok
      '{"id": "q1", "query": "congés", "gold": [{"url": "https://a.fr/x", "grade": 3}]', // 2 truncated JSON
      '["not", "an", "object"]', // 3
      JSON.stringify({ id: 'q2', gold: [{ url: 'https://a.fr/y', grade: 1 }] }), // 4 no question
      JSON.stringify({ id: 'q3', query: 'préavis', gold: [{ url: 'javascript:alert(1)', grade: 1 }] }), // 5 bad URL
      JSON.stringify({ id: 'q4', query: 'préavis', gold: [{ url: 'https://a.fr/z', grade: 7 }] }), // 6 grade out of range
      JSON.stringify({ id: 'q0000', query: 'doublon', gold: [{ url: 'https://a.fr/z', grade: 1 }] }), // 7 duplicate id
      JSON.stringify({ id: 'q5', query: 'rien à mesurer', gold: [] }), // 8 nothing to measure
      JSON.stringify({ id: 'q6', query: 'doublons', gold: [{ url: 'https://A.fr/p/', grade: 1 }, { url: 'https://a.fr/p#x', grade: 2 }] }), // 9
      '', // blank: ignored
      spfLine, // 11 ok
    ];
    const parsed = await parseEvalJsonl(lines.join('\n'));
    expect(parsed.items.map((i) => i.external_id)).toEqual(['q0000', 'spf-F34355']);
    expect(parsed.lines).toBe(10);
    const byLine = Object.fromEntries(parsed.errors.map((e) => [e.line, e.message]));
    expect(Object.keys(byLine).map(Number)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(byLine[2]).toMatch(/not valid JSON/);
    expect(byLine[3]).toMatch(/JSON object/);
    expect(byLine[4]).toMatch(/question/);
    expect(byLine[5]).toMatch(/gold\.0\.url: must be an http\(s\) URL/);
    expect(byLine[6]).toMatch(/gold\.0\.grade/);
    expect(byLine[7]).toMatch(/already used on line 1/);
    expect(byLine[8]).toMatch(/gold sources or an expected answer/);
    expect(byLine[9]).toMatch(/duplicate gold URL/);
    expect(parsed.errors.find((e) => e.line === 6)?.id).toBe('q4');
  });

  it('counts the questions of a file (the import limit) as the parser numbers its lines, blank ones passed over', async () => {
    // lines as the parser has always read them: split at \n (a \r before it dropped), blank ones ignored
    const reference = (f: string) =>
      f
        .replace(/^\uFEFF/, '')
        .split(/\r?\n/)
        .flatMap((raw, i) => (raw.trim() ? [i + 1] : []));
    const files = [
      '',
      '\n\n',
      'x',
      '\uFEFFx\r\n\r\n',
      '\n \n\tx\r\n\u00a0\n\u2028\nx \n\n',
      'x\r\nx\rx\n\r\n',
      '\uFEFF\n\uFEFFx',
      `${' '.repeat(5)}${'\n'.repeat(1000)}x\n\r`,
      [cdtnLine, '   ', 'pas du json', '\t', '', spfLine, '\u00a0'].join('\n'),
    ];
    expect(files.map(countJsonlLines)).toEqual(files.map((f) => reference(f).length));
    const parsed = await Promise.all(files.map((f) => parseEvalJsonl(f)));
    expect(parsed.map((p) => p.lines)).toEqual(files.map((f) => reference(f).length));
    // every line here is invalid but the last file's first and sixth: each error has its line's number
    expect(parsed.map((p) => p.errors.map((e) => e.line))).toEqual(files.map((f) => reference(f).filter((n) => !(f.startsWith(cdtnLine) && (n === 1 || n === 6)))));
    expect(parsed.at(-1)!.items.map((i) => i.external_id)).toEqual(['q0000', 'spf-F34355']);
  });

  it('round-trips through the export format', async () => {
    const first = await parseEvalJsonl([cdtnLine, spfLine].join('\n'));
    const again = await parseEvalJsonl(first.items.map(toJsonlLine).join('\n'));
    expect(again.errors).toEqual([]);
    expect(again.items).toEqual(first.items);
  });

  it('parses a large file a slice at a time, with the same result, other work running between the slices', async () => {
    // 2,500 lines: valid ones, a repeated id, invalid JSON, blank lines; slices of 1,000 lines
    const lines = Array.from({ length: 2_500 }, (_, i) =>
      i % 500 === 7 ? 'pas du json' : i % 500 === 9 ? JSON.stringify({ ...JSON.parse(cdtnLine), id: 'q-1' }) : JSON.stringify({ ...JSON.parse(cdtnLine), id: `q-${i}` }),
    );
    const content = lines.join('\n\n');
    let turns = 0;
    let running = true;
    const other = () => {
      turns++;
      if (running) setImmediate(other);
    };
    setImmediate(other);
    const sliced = await parseEvalJsonl(content, 1_000);
    running = false;
    expect(sliced).toEqual(await parseEvalJsonl(content, Infinity));
    expect(sliced.lines).toBe(2_500);
    // each 500 lines, the 8th is no JSON and the 10th repeats the id of the 2nd (line 3): line numbers count the blank ones
    expect(sliced.errors.map((e) => e.line)).toEqual([15, 19, 1015, 1019, 2015, 2019, 3015, 3019, 4015, 4019]);
    // the other work ran between the three slices, not only after them
    expect(turns).toBeGreaterThanOrEqual(2);
  });
});
