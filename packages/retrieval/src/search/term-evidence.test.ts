/**
 * Term evidence on a real database: a passage writing a word derived from the question's (« intérimaire »
 * for « intérim ») holds it; the reverse, and short or far-apart stems, do not count.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { indexBacklog } from '@cite/index/documents-repo.js';
import { queryEvidence, wholeWords, type QueryEvidence } from './term-evidence.js';
import { legalReferences } from './legal-references.js';
import { chunkCountIn, resetSearchStatistics } from './search-service.js';
import { loadTestCorpus } from './test-corpus.js';

const DOCS = {
  derived: 'Un intérimaire peut remplacer un salarié absent, quel que soit le motif de son absence.',
  base: 'L’intérim est encadré par le code du travail.',
  mission: 'La mission prend fin à la date prévue au contrat.',
  far: 'Le Conseil constitutionnel contrôle la constitutionnalité des lois.',
  // coined words, which the analyser leaves whole: the bounds of a derived form, letter by letter
  plus4: 'Le zorglubxyzw est un mot forgé.',
  plus5: 'Le zorglubxyzwk est un autre mot forgé.',
  five: 'Le zorglxx aussi.',
  four: 'Le zorgxx enfin.',
};

describe('wholeWords', () => {
  it('makes a word of several lexemes one term, held where all of them are', () => {
    const terms = wholeWords([
      { word: 'l1237-19', lexeme: '-19', df: 50, impacts: { '1': 0.6, '3': 0.9 }, derived: { '4': 1 } },
      { word: 'l1237-19', lexeme: 'l1237', df: 30, impacts: { '1': 1.0, '2': 0.8 } },
      { word: 'travail', lexeme: 'travail', df: 900, impacts: { '2': 0.5 } },
    ]);
    expect(terms).toEqual([
      { word: 'l1237-19', lexeme: '-19 l1237', df: 30, impacts: { '1': 0.8 }, derived: {} },
      { word: 'travail', lexeme: 'travail', df: 900, impacts: { '2': 0.5 } },
    ]);
  });
});

describe('wholeWords, a reference with the texts to read it in', () => {
  // « L1237-19 »: the article's page (title l1237 -19), a page citing it (1237 -19), a page citing
  // « L. 1237-9 » and « L. 1233-19 » (1237 -19 too), the page « Article L1237-19-1 » (l1237 -19)
  const texts = new Map([
    ['1', 'Code du travail - Article L1237-19\nUn accord collectif peut être conclu.'],
    ['2', "L'accord mentionné à l'article L. 1237-19 est transmis."],
    ['3', 'Voir les articles L. 1237-9 et L. 1233-19.'],
    ['4', 'Code du travail - Article L1237-19-1\nLes modalités sont fixées par accord.'],
  ]);
  const names = (id: string, ref: string) => legalReferences(texts.get(id)!).includes(ref.toUpperCase());
  it('is held where the text names it, in either spelling, and nowhere its lexemes only meet', () => {
    const [term] = wholeWords(
      [
        { word: 'l1237-19', lexeme: '-19', df: 40, impacts: { '1': 1, '2': 1, '3': 1, '4': 1 } },
        { word: 'l1237-19', lexeme: 'l1237', df: 20, impacts: { '1': 2, '4': 2 } },
        { word: '1237-19', lexeme: '1237', df: 30, impacts: { '2': 0.5, '3': 0.5 } },
      ],
      new Map([['1237-19', 'l1237-19']]),
      names,
    );
    expect(term).toEqual({ word: 'l1237-19', lexeme: '-19 l1237', df: 40, impacts: { '1': 1.5, '2': 0.75 }, derived: {} });
  });
});

describeEachDatabase('term evidence', (ctx) => {
  const chunkOf = new Map<string, string>();
  beforeAll(async () => {
    await loadTestCorpus(
      ctx.db,
      Object.entries(DOCS).map(([key, text]) => ({ url: `https://exemple.gouv.fr/${key}`, title: 'Fiche', chunks: [{ text }] })),
    );
    const { rows } = await ctx.db.query<{ id: string; url: string }>('SELECT c.id::text AS id, d.url FROM chunks c JOIN documents d ON d.id = c.document_id');
    for (const r of rows) chunkOf.set(r.url.split('/').pop()!, r.id);
  });

  const evidence = (words: string[]) => queryEvidence(ctx.db, words, [...chunkOf.values()], 4);
  const keyOf = (id: string) => [...chunkOf].find(([, c]) => c === id)![0];
  /** The chunks holding the word itself, and those holding only a word derived from it. */
  const holders = (e: QueryEvidence, word: string) => {
    const t = e.terms.find((x) => x.word === word)!;
    return { own: Object.keys(t.impacts).map(keyOf).sort(), derived: Object.keys(t.derived ?? {}).map(keyOf).sort() };
  };

  it('finds the passages writing a derived form of the question’s word, apart, with the word’s own count', async () => {
    const e = await evidence(['interim', 'motif']);
    expect(holders(e, 'interim')).toEqual({ own: ['base'], derived: ['derived'] });
    const interim = e.terms.find((t) => t.word === 'interim')!;
    expect(interim.lexeme).toBe('interim');
    expect(interim.df).toBe(1); // « intérimaire » is another word of the index: only « intérim » counts
    expect(interim.derived![chunkOf.get('derived')!]).toBeGreaterThan(0);
    expect(holders(e, 'motif')).toEqual({ own: ['derived'], derived: [] });
  });

  it('does not count the base form for a derived word, a short stem, or a word four letters past the stem', async () => {
    const e = await evidence(['interimaire', 'mise', 'constitution']);
    expect(holders(e, 'interimaire')).toEqual({ own: ['derived'], derived: [] });
    // « mis », three letters, is no prefix worth trusting (« mission »)
    expect(holders(e, 'mise')).toEqual({ own: [], derived: [] });
    // « constitutionnalité » (constitutionnalit) is nine letters past « constitution » (constitu): another word
    expect(holders(e, 'constitution')).toEqual({ own: [], derived: [] });
  });

  it('takes a word up to four letters past a stem of five letters or more, and no further', async () => {
    const e = await evidence(['zorglub', 'zorgl', 'zorg']);
    expect(e.terms.map((t) => t.lexeme).sort()).toEqual(['zorg', 'zorgl', 'zorglub']);
    expect(holders(e, 'zorglub')).toEqual({ own: [], derived: ['plus4'] });
    expect(holders(e, 'zorgl')).toEqual({ own: [], derived: ['five'] });
    expect(holders(e, 'zorg')).toEqual({ own: [], derived: [] });
    // the word itself, of any length, is the word's own
    expect(holders(await evidence(['zorgxx', 'zorglubxyzwk']), 'zorgxx')).toEqual({ own: ['four'], derived: [] });
  });

  it('holds an article\'s reference in the page holding all of it, not in pages holding a part', async () => {
    const { rows } = await loadTestCorpus(ctx.db, [
      { url: 'https://exemple.gouv.fr/L1237-19', title: 'Article L1237-19', chunks: [{ text: 'Un accord collectif peut être conclu.' }] },
      { url: 'https://exemple.gouv.fr/L1237-8', title: 'Article L1237-8', chunks: [{ text: 'Le salarié peut être assisté.' }] },
    ]).then(async () => ctx.db.query<{ id: string; url: string }>(`SELECT c.id::text AS id, d.url FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.url LIKE '%/L1237-%'`));
    const id = (suffix: string) => rows.find((r) => r.url.endsWith(suffix))!.id;
    const ids = rows.map((r) => r.id);
    const held = await queryEvidence(ctx.db, ['l1237-19'], ids, 10);
    expect(held.terms).toHaveLength(1);
    expect(Object.keys(held.terms[0]!.impacts)).toEqual([id('/L1237-19')]);
    // « L. 1237-99 »: its chapter's number is held by both pages, the whole reference by none
    const unknown = await queryEvidence(ctx.db, ['l1237-99'], ids, 10);
    expect(unknown.terms).toEqual([{ word: 'l1237-99', lexeme: expect.any(String), df: 0, impacts: {}, derived: {} }]);
  });

  it('counts a word in a key\'s collections across written postings and postings still waiting in the backlog', async () => {
    const { collections } = await loadTestCorpus(
      ctx.db,
      ['L’intérim dure dix-huit mois au plus.', 'Une mission d’intérim suit un contrat écrit.', 'Le motif du recours est écrit.'].map((text, i) => ({
        url: `https://exemple.gouv.fr/attente/${i}`,
        title: 'Fiche',
        collection: 'attente',
        chunks: [{ text }],
      })),
      { placement: 'postings-backlog' },
    );
    const waiting = collections.get('attente')!;
    resetSearchStatistics(ctx.db);
    // IDF's N within the key's collections, as answers pass it
    const e = await queryEvidence(ctx.db, ['interim', 'motif'], [...chunkOf.values()], await chunkCountIn(ctx.db, [waiting]), [waiting]);
    expect(e.chunkCount).toBe(3);
    expect(Object.fromEntries(e.terms.map((t) => [t.word, t.df]))).toEqual({ interim: 2, motif: 1 });
    // a key limited to the general collection counts none of the waiting chunks: « intérim » once there
    const general = (await ctx.db.query<{ id: string }>(`SELECT id FROM collections WHERE name = 'general'`)).rows[0]!.id;
    const g = await queryEvidence(ctx.db, ['interim'], [...chunkOf.values()], 7, [Number(general)]);
    expect(g.terms[0]!.df).toBe(1);
    // without a key's limit, the index's counts hold the waiting chunks already: moving them changes none
    const whole = async () =>
      Object.fromEntries((await queryEvidence(ctx.db, ['interim', 'motif'], [...chunkOf.values()], 7, null)).terms.map((t) => [t.word, t.df]));
    const counted = await whole();
    expect(counted.interim).toBe(3);
    while ((await indexBacklog(ctx.db, 100)).postings > 0);
    expect(await whole()).toEqual(counted);
  });
});
