import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findIndexWrites, sourceFiles } from './index-boundary.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('the index store is the only writer of the index', () => {
  it('finds no write of documents, chunks, vectors, originals or their statistics outside packages/index/src', () => {
    const files = sourceFiles(ROOT, ['packages', 'console', 'bench', 'scripts'], ['packages/index/src']);
    // the walk reaches the places writers used to live
    const rel = files.map((f) => path.relative(ROOT, f));
    expect(rel).toEqual(expect.arrayContaining(['packages/retrieval/src/search/test-corpus.ts', 'packages/ingestion/src/ingest/index-documents.ts', 'bench/search.ts']));
    expect(rel.some((f) => f.startsWith('packages/index/src/'))).toBe(false);
    const offences = files.flatMap((f) => findIndexWrites(path.relative(ROOT, f), fs.readFileSync(f, 'utf8')));
    expect(offences.map((o) => `${o.file}:${o.line}: ${o.statement}`)).toEqual([]);
  });

  it('the scanner catches every kind of write, upserts, line breaks and lists included, with its line', () => {
    const sample = [
      "const a = `INSERT INTO documents (url) VALUES ($1) ON CONFLICT (url) DO UPDATE SET url = EXCLUDED.url`;",
      "await db.query('update Chunks set text = $1');",
      'await db.query(`DELETE',
      '   FROM vector_backlog`);',
      "db.exec('TRUNCATE TABLE answers, search_postings');",
      "db.exec('COPY chunks (text) FROM STDIN');",
      "db.exec('MERGE INTO search_terms t USING x ON true WHEN MATCHED THEN DELETE');",
      "db.query('UPDATE public.\"documents\" SET title = 1');",
      "db.query('DELETE FROM document_originals WHERE sha256 = $1');",
    ].join('\n');
    expect(findIndexWrites('x.ts', sample).map((o) => [o.line, o.statement])).toEqual([
      [1, 'INSERT INTO documents'],
      [2, 'update Chunks'],
      [3, 'DELETE FROM vector_backlog'],
      [5, 'TRUNCATE TABLE answers, search_postings'],
      [6, 'COPY chunks'],
      [7, 'MERGE INTO search_terms'],
      [8, 'UPDATE public."documents"'],
      [9, 'DELETE FROM document_originals'],
    ]);
  });

  it('leaves reads, other tables, comments and marked non-writes alone', () => {
    const sample = [
      "db.query('SELECT * FROM documents d JOIN chunks c ON c.document_id = d.id');",
      "db.query('INSERT INTO document_originals_archive (sha256) VALUES ($1)');",
      "db.query('UPDATE documents_archive SET x = 1');",
      "db.query('INSERT INTO answers (question) SELECT text FROM chunks');",
      '// we used to DELETE FROM chunks here',
      '/* UPDATE documents SET x = 1 */',
      '/**',
      ' * TRUNCATE chunks in a doc comment',
      ' */',
      "post({ query: \"'; DELETE FROM documents; --\" }); // index-boundary: not a write (injection probe)",
    ].join('\n');
    expect(findIndexWrites('x.ts', sample)).toEqual([]);
  });
});
