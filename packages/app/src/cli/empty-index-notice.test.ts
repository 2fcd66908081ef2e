/**
 * `cite ask` without a running engine reads the database itself: an empty one says what to run rather than
 * letting the answer be "no source matches".
 */
import { expect, it } from 'vitest';
import { HashEmbedder } from '@cite/core/embeddings/hash-embedder.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { seedDocuments } from '@cite/index/seed-documents.js';
import { emptyIndexNotice } from './cli-context.js';

describeEachDatabase('the CLI on an empty index', (ctx) => {
  it('names what to run while no document is indexed, and is silent once one is', async () => {
    const embedded = { DATABASE_URL: undefined, DATA_DIR: './data' };
    expect(await emptyIndexNotice(ctx.db, embedded)).toContain('no engine is running on ./data');
    expect(await emptyIndexNotice(ctx.db, embedded)).toContain('npm run demo');
    expect(await emptyIndexNotice(ctx.db, { DATABASE_URL: 'postgres://x', DATA_DIR: './data' })).toContain('cite ingest');
    const { rows } = await ctx.db.query<{ id: string }>(`INSERT INTO collections (name) VALUES ('vide') RETURNING id`);
    await seedDocuments(ctx.db, new HashEmbedder(), [{ collectionId: Number(rows[0]!.id), url: 'https://ex.fr/a', title: 'A', chunks: [{ text: 'Le préavis.' }] }]);
    expect(await emptyIndexNotice(ctx.db, embedded)).toBeNull();
  });
});
