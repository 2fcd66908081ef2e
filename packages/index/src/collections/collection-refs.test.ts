import { collectionByName } from '@cite/ingestion/ingest/ingest-run.js';
import { expect, it } from 'vitest';
import { CiteError } from '@cite/core/errors.js';
import { describeEachDatabase } from '@cite/core/testing/databases.js';
import { resolveCollectionRefs } from './collection-refs.js';

describeEachDatabase('collection references (name or id)', (ctx) => {
  const refused = async (p: Promise<unknown>) => {
    const e = await p.then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(CiteError);
    return e as CiteError;
  };

  it('resolves names and ids in order, once each; a name made of digits is a name first', async () => {
    const travail = await collectionByName(ctx.db, 'travail');
    const associations = await collectionByName(ctx.db, 'associations');
    const digits = await collectionByName(ctx.db, String(travail));
    expect(await resolveCollectionRefs(ctx.db, ['travail', associations, 'associations', ` travail `], null)).toEqual([travail, associations]);
    expect(await resolveCollectionRefs(ctx.db, [String(associations)], null)).toEqual([associations]);
    // "<travail's id>" is also the name of a collection: the name wins
    expect(await resolveCollectionRefs(ctx.db, [String(travail)], null)).toEqual([digits]);
    expect(await resolveCollectionRefs(ctx.db, [travail], null)).toEqual([travail]);
  });

  it('refuses unknown names and ids with COLLECTION_NOT_FOUND naming each, and the existing names', async () => {
    const travail = await collectionByName(ctx.db, 'travail');
    const e = await refused(resolveCollectionRefs(ctx.db, ['travail', 'travial', 987654], null, 'filters.collections'));
    expect(e.code).toBe('COLLECTION_NOT_FOUND');
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/^filters\.collections: no collection "travial", 987654 \(/);
    expect(e.message).toContain('existing: ');
    expect(e.message).toContain('travail');
    expect(e.details).toEqual({ missing: ['travial', 987654] });
    expect(await resolveCollectionRefs(ctx.db, [travail], null)).toEqual([travail]);
  });

  it('a limited caller resolves only its collections: another one is "not found" like a name nobody used', async () => {
    const mine = await collectionByName(ctx.db, 'mine');
    const secret = await collectionByName(ctx.db, 'secret-collection');
    expect(await resolveCollectionRefs(ctx.db, ['mine'], [mine])).toEqual([mine]);
    for (const ref of ['secret-collection', secret, 'never-created']) {
      const e = await refused(resolveCollectionRefs(ctx.db, [ref], [mine]));
      expect(e.code).toBe('COLLECTION_NOT_FOUND');
      // the names listed are the caller's only
      expect(e.message).toMatch(/existing: mine\)$/);
    }
  });
});
