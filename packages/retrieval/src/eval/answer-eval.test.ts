import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { beforeAll, expect, it } from 'vitest';
import { AnswerService } from '../answers/answer-service.js';
import { searchRetriever } from '../answers/search-retriever.js';
import { seedDocs, TEST_DOCS } from '../answers/test-corpus.js';
import { loadConfig } from '@cite/core/config/config.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { comparable, normaliseUrl, readAnswerQueries, runAnswerEval } from './answer-eval.js';

describeEachDatabase('answer evaluation', (ctx) => {
  let file: string;
  beforeAll(async () => {
    await seedDocs(ctx.db, TEST_DOCS);
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cite-answer-eval-')), 'q.jsonl');
    const lines = [
      { id: 'q1', question: 'Combien de jours de congés payés par mois de travail ?', answer: '2,5 jours ouvrables de congés payés', gold: [{ url: `${TEST_DOCS[1]!.url}/`, grade: 1 }] },
      { id: 'q2', question: 'Quel délai pour signaler un changement d’adresse de carte grise ?', answer: "dans un délai d'un mois", gold: [{ url: TEST_DOCS[2]!.url }] },
      // gold deliberately wrong: the answer cites the right page, which is not this gold
      { id: 'q3', question: 'La démission doit-elle être motivée ?', gold: [{ url: 'https://www.service-public.fr/particuliers/vosdroits/F9999' }] },
      { id: 'q4', query: 'recette de la tarte Tatin aux pommes', gold: [{ url: 'https://cuisine.example/tatin' }] },
    ];
    fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  });

  it('scores citation precision, gold recall, cited share, abstention and span containment', async () => {
    const config = loadConfig({ LOG_LEVEL: 'silent' });
    const log = pino({ level: 'silent' });
    const app = { db: ctx.db, config, log, services: new Map() };
    const svc = new AnswerService({ db: ctx.db, retrieve: searchRetriever(app) });
    const report = await runAnswerEval(svc, readAnswerQueries(file));
    expect(report.queries).toBe(4);
    expect(report.errors).toBe(0);
    const byId = Object.fromEntries(report.items.map((i) => [i.id, i]));
    expect(byId.q1).toMatchObject({ recall: 1, span_contained: true, abstained: false });
    expect(byId.q2).toMatchObject({ recall: 1, span_contained: true });
    expect(byId.q3).toMatchObject({ recall: 0, precision: 0, span_contained: null });
    expect(byId.q4).toMatchObject({ abstained: true, precision: null, recall: 0 });
    expect(report.abstention_rate).toBe(0.25);
    expect(report.cited_share).toBe(0.75);
    expect(report.gold_recall).toBe(0.5);
    expect(report.span_containment).toBe(1);
    expect(report.citation_precision).toBeCloseTo(((byId.q1!.precision ?? 0) + (byId.q2!.precision ?? 0) + 0) / 3, 3);
    expect(report.ttfb_ms.p50).toBeGreaterThan(0);
  });

  it('reads query files strictly and compares URLs and spans loosely', () => {
    const bad = path.join(path.dirname(file), 'bad.jsonl');
    fs.writeFileSync(bad, '{"id":"x","gold":[]}\n');
    expect(() => readAnswerQueries(bad)).toThrow(/expected "question"/);
    expect(() => readAnswerQueries(path.join(path.dirname(file), 'missing.jsonl'))).toThrow(/Cannot read/);
    expect(normaliseUrl('https://WWW.Service-Public.fr/particuliers/vosdroits/F1/#x')).toBe('https://www.service-public.fr/particuliers/vosdroits/F1');
    expect(comparable("L’État, c'est  «nous» !")).toBe("l'etat c'est nous");
  });
});
