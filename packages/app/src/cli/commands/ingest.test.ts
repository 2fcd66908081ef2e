import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeZip } from '@cite/ingestion/extractors/testing/zip-writer.js';
import { writeTinyModel } from '@cite/core/embeddings/testing/tiny-onnx-model.js';
import { openServerDatabase } from '@cite/core/db/server-database.js';
import { createServerDatabase, availableModes } from '@cite/core/testing/databases.js';

const run = promisify(execFile);
const CITE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/cite.mjs');

function writeInputs(dir: string): void {
  fs.mkdirSync(path.join(dir, 'docs'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'docs', 'conges.html'),
    `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Congés payés</title></head><body>
     <nav><a href="/">Accueil</a></nav><main><h1>Congés payés</h1>
     <p>Le salarié a droit à deux jours et demi ouvrables de congé par mois de travail effectif.</p>
     <h2>Durée maximale</h2><p>La durée totale ne peut excéder trente jours ouvrables.</p></main></body></html>`,
  );
  fs.writeFileSync(path.join(dir, 'docs', 'preavis.md'), '# Préavis\n\nLe préavis de démission dépend de la convention collective.\n');
  fs.writeFileSync(
    path.join(dir, 'docs', 'fiches.jsonl'),
    [
      JSON.stringify({ url: 'https://exemple.gouv.fr/rupture', title: 'Rupture conventionnelle', text: 'La rupture conventionnelle est homologuée par la DREETS.' }),
      '{ceci n est pas du JSON',
      JSON.stringify({ url: 'https://exemple.gouv.fr/mutuelle', title: 'Mutuelle', markdown: '# Mutuelle\n\nLa mutuelle d’entreprise est obligatoire.' }),
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(dir, 'docs', 'archive.zip'),
    writeZip([
      { name: 'teletravail.md', data: '# Télétravail\n\nLe télétravail est mis en place par accord collectif ou charte.' },
      { name: 'sous/dossier/stage.txt', data: 'La gratification de stage est due au-delà de deux mois.' },
    ]),
  );
  // a binary file posing as HTML: one clear failure, the rest indexed
  fs.writeFileSync(path.join(dir, 'docs', 'faux.html'), Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0, 0, 7, 8, 9, 0, 0, 0, 1, 2]));
}

interface Summary {
  collection: string;
  new: number;
  changed: number;
  unchanged: number;
  failed: number;
  deleted: number;
  chunks: number;
  errors: { location: string; code: string }[];
}

describe.each(availableModes())('cite ingest end to end [%s]', (mode) => {
  let dir: string;
  let env: Record<string, string>;
  let drop = async () => {};
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-ingest-'));
    writeInputs(dir);
    env = { ...(process.env as Record<string, string>), DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    delete env.CITE_URL;
    // a new, empty database on purpose (not the migrated template): the first `cite ingest` creates and migrates it
    if (mode === 'server') {
      const created = await createServerDatabase(process.env.DATABASE_URL!);
      env.DATABASE_URL = created.url;
      drop = created.drop;
    }
  });
  afterAll(async () => {
    await drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The summary of a run that went through; its exit code says whether documents failed (3) or not (0). */
  const ingest = async (...args: string[]) => {
    const { stdout, code } = await run(process.execPath, [CITE, 'ingest', ...args], { env, cwd: dir, timeout: 170_000 }).then(
      (r) => ({ ...r, code: 0 }),
      (e: { code: number; stdout: string }) => e,
    );
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Summary;
    expect(code).toBe(summary.failed > 0 ? 3 : 0);
    return summary;
  };

  it('indexes a directory of html, md, jsonl and a zip, reports failures, then finds everything unchanged', async () => {
    const first = await ingest(path.join(dir, 'docs'), '--collection', 'travail', '--json');
    expect(first).toMatchObject({ collection: 'travail', new: 6, changed: 0, unchanged: 0, failed: 2 });
    expect(first.chunks).toBeGreaterThanOrEqual(6);
    expect(first.errors.map((e) => e.code).sort()).toEqual(['BINARY_AS_TEXT', 'JSONL_LINE_INVALID'].sort());

    const second = await ingest(path.join(dir, 'docs'), '--collection', 'travail', '--json');
    expect(second).toMatchObject({ new: 0, changed: 0, unchanged: 6, failed: 2 });

    // a file edited and one removed: changed, and deleted with --sync
    fs.writeFileSync(path.join(dir, 'docs', 'preavis.md'), '# Préavis\n\nLe préavis est fixé par la loi ou la convention.\n');
    fs.rmSync(path.join(dir, 'docs', 'conges.html'));
    const third = await ingest(path.join(dir, 'docs'), '--collection', 'travail', '--json', '--sync');
    expect(third).toMatchObject({ new: 0, changed: 1, unchanged: 4, deleted: 1 });

    if (mode === 'server') {
      const db = await openServerDatabase(env.DATABASE_URL!, 1);
      try {
        // a server without autovacuum: the ingest analyzed (and where due vacuumed) the tables it wrote
        const upkept = await db.query<{ autovacuum: boolean; analyzed: boolean }>(
          `SELECT current_setting('autovacuum') = 'on' AS autovacuum, last_analyze IS NOT NULL AS analyzed
             FROM pg_stat_user_tables WHERE relname = 'search_postings'`,
        );
        expect(upkept.rows[0]!.analyzed).toBe(!upkept.rows[0]!.autovacuum);
        const { rows } = await db.query<{ status: string; n: number }>(
          `SELECT d.status, count(*)::int AS n FROM documents d JOIN collections c ON c.id = d.collection_id
            WHERE c.name = 'travail' GROUP BY d.status ORDER BY d.status`,
        );
        expect(rows).toEqual([
          { status: 'active', n: 5 },
          { status: 'deleted', n: 1 },
        ]);
      } finally {
        await db.close();
      }
    }
  }, 400_000);

  it('reports a missing path without stopping the others', async () => {
    const s = await ingest(path.join(dir, 'nope.pdf'), path.join(dir, 'docs', 'preavis.md'), '--collection', 'autre', '--json');
    expect(s).toMatchObject({ new: 1, failed: 1 });
    expect(s.errors[0]).toMatchObject({ code: 'FILE_NOT_FOUND' });
  }, 200_000);

  it('refuses another model until `cite reembed` has run, then indexes with it', async () => {
    const models = path.join(dir, 'models');
    writeTinyModel(models, 'test/tiny', 16);
    const tiny = { ...env, EMBEDDINGS: 'transformers:test/tiny', MODELS_DIR: models, EMBEDDINGS_FALLBACK_TO_HASH: 'false' };
    const own = path.join(dir, 'modele');
    fs.mkdirSync(own, { recursive: true });
    fs.writeFileSync(path.join(own, 'a.md'), '# Arrêt maladie\n\nLes indemnités journalières sont versées par la CPAM.');
    fs.writeFileSync(path.join(own, 'b.md'), '# Heures supplémentaires\n\nElles sont majorées de 25 % pour les huit premières.');
    expect(await ingest(own, '--collection', 'modele', '--json')).toMatchObject({ new: 2 });
    const refused = await run(process.execPath, [CITE, 'ingest', own, '--collection', 'modele', '--json'], { env: tiny, cwd: dir }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((refused as { code: number }).code).toBe(1);
    expect((refused as { stderr: string }).stderr).toMatch(/EMBEDDING_MODEL_MISMATCH.*cite reembed/s);

    const { stdout } = await run(process.execPath, [CITE, 'reembed', '--json'], { env: tiny, cwd: dir, timeout: 170_000 });
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { to: { id: string; dimension: number }; chunks: number; complete: boolean };
    expect(summary).toMatchObject({ to: { id: 'transformers:test/tiny', dimension: 16 }, complete: true });
    expect(summary.chunks).toBeGreaterThanOrEqual(2);

    const { stdout: out2 } = await run(process.execPath, [CITE, 'ingest', own, '--collection', 'modele', '--json'], {
      env: tiny,
      cwd: dir,
      timeout: 170_000,
    });
    // the content hash includes the model (chunk budgets use its tokenizer): every document is re-chunked
    expect(JSON.parse(out2.trim().split('\n').at(-1)!)).toMatchObject({ failed: 0, new: 0, changed: 2 });
  }, 400_000);
});
