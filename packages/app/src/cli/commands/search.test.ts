import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@cite/core/config/config.js';
import { openDatabase } from '@cite/core/db/open-database.js';
import { availableModes, createServerDatabase, openTestDatabase } from '@cite/core/testing/databases.js';
import { answerShape, searchAnswerShape } from '../engine-answer-shapes.js';

const run = promisify(execFile);
const CITE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/cite.mjs');

const DOCS = [
  { url: 'https://exemple.gouv.fr/conges-payes', title: 'Congés payés', text: 'Le salarié a droit à deux jours et demi ouvrables de congé payé par mois de travail effectif.' },
  { url: 'https://exemple.gouv.fr/rupture', title: 'Rupture conventionnelle', text: 'La rupture conventionnelle du contrat de travail est homologuée par la DREETS.' },
  { url: 'https://exemple.gouv.fr/preavis', title: 'Préavis de démission', text: 'Le préavis de démission dépend de la convention collective applicable au salarié.' },
  { url: 'https://exemple.gouv.fr/teletravail', title: 'Télétravail', text: 'Le télétravail est mis en place par accord collectif ou par une charte de l’employeur.' },
];

/** In its own collection, `associations`: it shares "salarié" and "congés" with the labour-law documents. */
const ASSOCIATION = {
  url: 'https://exemple.gouv.fr/association-salarie',
  title: 'Association employeur',
  text: 'Une association qui emploie un salarié lui doit ses congés payés comme tout employeur.',
};

for (const mode of availableModes()) {
  describe(`cite search and cite eval [${mode}]`, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-search-cli-'));
    let env: NodeJS.ProcessEnv;
    let drop = async () => {};
    const cite = async (...args: string[]) => (await run(process.execPath, [CITE, ...args], { env, maxBuffer: 1 << 24 })).stdout;

    beforeAll(async () => {
      env = { ...process.env, DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent', EMBEDDINGS: 'hash', CITE_URL: '', CITE_API_KEY: '' };
      delete env.DATABASE_URL;
      // a copy of the migrated template (`cite ingest` on a new, empty database is ingest.test.ts's case)
      if (mode === 'server') {
        const created = await createServerDatabase(process.env.DATABASE_URL!, { migrated: true });
        env.DATABASE_URL = created.url;
        drop = created.drop;
      } else {
        await (await openTestDatabase('embedded', { dataDir: env.DATA_DIR })).dispose(); // the CLI opens it itself
      }
      fs.writeFileSync(path.join(dir, 'docs.jsonl'), DOCS.map((d) => JSON.stringify(d)).join('\n'));
      await cite('ingest', path.join(dir, 'docs.jsonl'), '--json');
      fs.writeFileSync(path.join(dir, 'associations.jsonl'), JSON.stringify(ASSOCIATION));
      await cite('ingest', path.join(dir, 'associations.jsonl'), '--collection', 'associations', '--json');
    }, 300_000);
    afterAll(async () => {
      await drop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('prints the /v1/search response with --json', async () => {
      // words several documents hold: chance-level vector neighbours no longer pad the list (vector floor)
      const out = JSON.parse(await cite('search', 'congés payés du salarié au travail', '--k', '2', '--json')) as { data: any[]; timings: Record<string, number> };
      expect(out.data).toHaveLength(2);
      expect(out.data[0].document.url).toBe('https://exemple.gouv.fr/conges-payes');
      expect(Object.keys(out.data[0]).sort()).toEqual(['chunk_id', 'document', 'heading_path', 'locator', 'score', 'text']);
      expect(out.timings.total_ms).toBeGreaterThan(0);
      // what the CLI checks of an engine's answer (engine-answer-shapes.ts) holds for a real one, ranks too
      expect(searchAnswerShape.safeParse(out).error).toBeUndefined();
      const debug = JSON.parse(await cite('search', 'congés payés', '--debug', '--json')) as {
        data: Array<{ document: { url: string }; ranks?: { lexical: { rank: number } | null } }>;
      };
      // the congés payés page, first, is the lexical branch's first too: the ranks the shape reads are real ones
      expect(debug.data[0]!.document.url).toBe('https://exemple.gouv.fr/conges-payes');
      expect(debug.data[0]!.ranks?.lexical?.rank).toBe(1);
      expect(searchAnswerShape.safeParse(debug).error).toBeUndefined();
      const human = await cite('search', 'rupture conventionnelle', '--mode', 'lexical', '--k', '1');
      expect(human).toMatch(/1\. Rupture conventionnelle — https:\/\/exemple\.gouv\.fr\/rupture/);
    }, 120_000);

    it('refuses bad input with the error code and a non-zero exit', async () => {
      await expect(cite('search', '   ')).rejects.toMatchObject({ stderr: expect.stringMatching(/INVALID_SEARCH: .*empty/) });
      await expect(cite('search', 'congés', '--k', '500')).rejects.toMatchObject({ stderr: expect.stringMatching(/INVALID_SEARCH/) });
      await expect(cite('search', 'congés', '--filters', '{"nope":1}')).rejects.toMatchObject({ stderr: expect.stringMatching(/INVALID_FILTERS: .*nope/) });
    }, 120_000);

    it('takes collections by name or id: --collection on search, ask and eval, names in --filters; an unknown one is refused, named', async () => {
      const urls = async (...args: string[]) =>
        ((JSON.parse(await cite('search', 'salarié congés payés', '--mode', 'lexical', '--k', '10', '--json', ...args)) as { data: any[] }).data).map((h) => h.document.url as string);
      expect(await urls('--collection', 'associations')).toEqual([ASSOCIATION.url]);
      const labour = await urls('--collection', 'default');
      expect(labour).toContain('https://exemple.gouv.fr/conges-payes');
      expect(labour).not.toContain(ASSOCIATION.url);
      expect(await urls('--filters', '{"collections":["associations"]}')).toEqual([ASSOCIATION.url]);
      // ids still work (read from the database the CLI wrote, closed again before the next command)
      const db = await openDatabase(loadConfig(env));
      const id = String((await db.query<{ id: string }>("SELECT id FROM collections WHERE name = 'associations'")).rows[0]!.id);
      await db.close();
      expect(await urls('--collection', id)).toEqual([ASSOCIATION.url]);
      const answer = JSON.parse(await cite('ask', 'Une association doit-elle des congés payés à son salarié ?', '--json', '--collection', 'associations')) as {
        citations: Array<{ url: string }>;
        abstained: boolean;
      };
      expect(answer.abstained).toBe(false);
      expect(answer.citations.map((c) => c.url)).toEqual([ASSOCIATION.url]);
      expect(answerShape.safeParse(answer).error).toBeUndefined();

      fs.writeFileSync(path.join(dir, 'one-query.jsonl'), JSON.stringify({ id: 'a1', query: 'association salarié congés', variants: [], gold: [{ url: ASSOCIATION.url, grade: 3 }] }));
      for (const args of [
        ['search', 'congés', '--collection', 'travial'],
        ['ask', 'Combien de congés payés ?', '--collection', 'travial'],
        ['eval', '--queries', path.join(dir, 'one-query.jsonl'), '--collection', 'travial'],
      ]) {
        await expect(cite(...args), args.join(' ')).rejects.toMatchObject({
          code: 1,
          stderr: expect.stringMatching(/^cite: COLLECTION_NOT_FOUND: filters\.collections: no collection "travial" \(.*existing: associations, default\)/m),
        });
      }
    }, 600_000); // a dozen CLI processes on a loaded machine

    it('evaluates a query set: metrics as JSON and one --out line per phrasing', async () => {
      const queries = path.join(dir, 'queries.jsonl');
      fs.writeFileSync(
        queries,
        [
          { id: 'q1', query: 'congés payés', variants: ['conges payes', 'jours de congé'], gold: [{ url: 'https://exemple.gouv.fr/conges-payes/', grade: 3 }] },
          { id: 'q2', query: 'rupture conventionnelle', variants: [], gold: [{ url: 'https://EXEMPLE.gouv.fr/rupture#x', grade: 2 }] },
        ]
          .map((q) => JSON.stringify(q))
          .join('\n'),
      );
      const out = path.join(dir, 'run.jsonl');
      const summary = JSON.parse(await cite('eval', '--queries', queries, '--mode', 'lexical', '--json', '--out', out)) as Record<string, number>;
      expect(summary.queries).toBe(2);
      expect(summary['ndcg@10']).toBe(1);
      expect(summary['recall@10']).toBe(1);
      expect(summary['recall@50']).toBe(1);
      expect(summary['mrr@10']).toBe(1);
      const lines = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; q: string; results: string[] });
      expect(lines.map((l) => l.q).sort()).toEqual(['conges payes', 'congés payés', 'jours de congé', 'rupture conventionnelle']);
      expect(lines.find((l) => l.q === 'congés payés')!.results[0]).toBe('https://exemple.gouv.fr/conges-payes');
      await expect(cite('eval', '--queries', path.join(dir, 'missing.jsonl'))).rejects.toMatchObject({ stderr: expect.stringMatching(/EVAL_QUERIES_UNREADABLE/) });
    }, 180_000);
  });
}
