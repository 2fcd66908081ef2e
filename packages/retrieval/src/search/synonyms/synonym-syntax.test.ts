import { describe, expect, it } from 'vitest';
import { EQUIVALENT_WEIGHT, alternativesByLexeme, expandQuery } from './synonym-expansion.js';
import { parseSynonyms } from './synonym-syntax.js';

describe('synonym list syntax (Solr/Elasticsearch)', () => {
  it('reads equivalences, mappings, multi-word terms, comments and escapes', () => {
    const { rules, errors } = parseSynonyms(
      [
        '# Acronymes du droit du travail',
        '',
        'CSE, comité social et économique   # instance du personnel',
        'ce, délégation unique du personnel => comité social et économique',
        '  smic ,  salaire   minimum interprofessionnel de croissance ',
        'a\\,b, c',
        'CSE, cse, comité',
      ].join('\r\n'),
    );
    expect(errors).toEqual([]);
    expect(rules).toEqual([
      { line: 3, from: ['CSE', 'comité social et économique'], to: null },
      { line: 4, from: ['ce', 'délégation unique du personnel'], to: ['comité social et économique'] },
      { line: 5, from: ['smic', 'salaire minimum interprofessionnel de croissance'], to: null },
      { line: 6, from: ['a,b', 'c'], to: null },
      // a term repeated in another case is one term
      { line: 7, from: ['CSE', 'comité'], to: null },
    ]);
  });

  it('lists every bad line with its number and what is wrong, keeping the good ones', () => {
    const { rules, errors } = parseSynonyms(
      ['cdd, contrat à durée déterminée', 'cdi', 'a,, b', 'a => b => c', ' => b', 'x, ###', 'ok, bien', '!!, ?', `${'x'.repeat(201)}, y`].join('\n'),
    );
    expect(rules.map((r) => r.line)).toEqual([1, 7]);
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 8, 9]);
    expect(errors[0]!.message).toMatch(/"cdi" alone/);
    expect(errors[1]!.message).toMatch(/empty term/);
    expect(errors[2]!.message).toMatch(/more than one "=>"/);
    expect(errors[3]!.message).toMatch(/both sides/);
    expect(errors[4]!.message).toMatch(/empty term/); // the comment took the second term
    expect(errors[5]!.message).toMatch(/no letter or digit/);
    expect(errors[6]!.message).toMatch(/longer than 200/);
  });

  it('refuses a line of too many terms without comparing each with every other (the engine waits on it)', () => {
    // 60,000 terms, ~1 MB, the largest body the route reads: refused in 45 s when each term was compared with
    // every other, the engine's event loop held all that time
    const huge = Array.from({ length: 60_000 }, (_, i) => `salarie${i}`);
    const started = performance.now();
    const equivalence = parseSynonyms(huge.join(', '));
    const mapping = parseSynonyms(`${huge.join(', ')} => emploi`);
    expect(performance.now() - started).toBeLessThan(2_000);
    for (const parsed of [equivalence, mapping]) {
      expect(parsed.rules).toEqual([]);
      expect(parsed.errors).toEqual([{ line: 1, message: 'more than 50 terms on one line' }]);
    }
    // the limit counts distinct terms: repeats of the same ones stay one rule
    expect(parseSynonyms(Array.from({ length: 3_000 }, (_, i) => (i % 2 ? 'CDD' : 'contrat court')).join(', ')).rules).toEqual([
      { line: 1, from: ['contrat court', 'CDD'], to: null },
    ]);
  });
});

describe('query expansion', () => {
  const cse = ['cse'];
  const longForm = ['comit', 'social', 'econom'];

  it('adds the other terms of an equivalence as groups, below the query words and counted as the span they stand for', () => {
    const e = expandQuery(['elect', 'cse'], [{ from: [cse, longForm], to: null }]);
    expect(e.kept).toEqual(['elect', 'cse']);
    expect(e.groups).toEqual([{ lexemes: longForm, weight: EQUIVALENT_WEIGHT / 3, standsFor: ['cse'] }]);
    const back = expandQuery(['comit', 'social', 'econom', 'elect'], [{ from: [cse, longForm], to: null }]);
    expect(back.groups).toEqual([{ lexemes: cse, weight: EQUIVALENT_WEIGHT * 3, standsFor: longForm }]);
    expect(alternativesByLexeme(back).get('social')).toEqual([cse]);
  });

  it('matches a multi-word term only where its words follow each other in the query', () => {
    expect(expandQuery(['comit', 'entrepris', 'social'], [{ from: [cse, longForm], to: null }]).groups).toEqual([]);
  });

  it('replaces the left terms of a mapping by its targets, at full weight', () => {
    const e = expandQuery(['ce', 'elect'], [{ from: [['ce']], to: [longForm] }]);
    expect(e.kept).toEqual(['elect']);
    expect(e.groups).toEqual([{ lexemes: longForm, weight: 1 / 3, standsFor: ['ce'] }]);
  });

  it('adds nothing the query already holds', () => {
    expect(expandQuery(['cse', 'comit', 'social', 'econom'], [{ from: [cse, longForm], to: null }]).groups).toEqual([]);
    expect(expandQuery(['cse', 'social'], [{ from: [cse, ['social']], to: null }]).groups).toEqual([]);
  });
});

describe('the example list shipped with Cité', () => {
  it('parses without a bad line', async () => {
    const fs = await import('node:fs');
    const text = fs.readFileSync(new URL('./fr-travail.example.txt', import.meta.url), 'utf8');
    const { rules, errors } = parseSynonyms(text);
    expect(errors).toEqual([]);
    expect(rules.length).toBe(31);
    expect(rules.find((r) => r.from[0] === 'cse')!.from).toEqual(['cse', 'comité social et économique']);
  });
});
