/**
 * Admin API of the synonym lists (console screen "Synonymes"): react-admin simple REST. A list is global
 * (`collection` null: applied to every search) or a collection's. A key limited to collections sees the
 * global lists and its collections' lists, changes only the latter; global lists are changed by
 * unrestricted admins. The body's `content` is the list in the Solr/Elasticsearch syntax (a file's text).
 */
import { z } from 'zod';
import { resolveCollectionRefs } from '@cite/index/collections/collection-refs.js';
import { defineRoute } from '@cite/core/http/route.js';
import { idsFilter, listQuery, sendList, idParams } from '@cite/core/http/simple-rest.js';
import { parseSynonyms } from '@cite/retrieval/search/synonyms/synonym-syntax.js';
import { changeSynonymList, createSynonymList, removeSynonymList, synonymListNotFound } from '@cite/retrieval/search/synonyms/synonym-lists.js';
import { SYNONYM_SORTS, getSynonymList, listSynonymLists, type SynonymListRow } from '@cite/retrieval/search/synonyms/synonyms-repo.js';
import type { Queryable } from '@cite/core/db/database.js';
import { reaches, requireUnrestricted, requireWritable, type Scope } from '@cite/core/http/collection-scope.js';

const record = z.object({
  id: z.number(),
  name: z.string(),
  collection_id: z.number().nullable(),
  collection: z.string().nullable(),
  content: z.string(),
  enabled: z.boolean(),
  rules: z.number().describe('Rules the list holds (lines that are not blank or comments)'),
  created_at: z.string(),
  updated_at: z.string(),
});
const collectionRef = z.union([z.number().int().positive(), z.string().trim().max(200)]).nullable();
// 1 MB bodies (BODY_LIMIT) bound the list; MAX_RULES bounds what one search may apply
const fields = {
  name: z.string().trim().min(1).max(200),
  /** Name or id; null or "" = the global list. */
  collection: collectionRef.optional(),
  content: z.string().max(1_000_000),
  enabled: z.boolean().optional(),
};
const createBody = z.object(fields).strict();
// react-admin sends the whole record back on edit: read-only fields are accepted and ignored
const updateBody = z.object({ ...fields, name: fields.name.optional(), content: fields.content.optional() }).passthrough();

const shaped = (r: SynonymListRow) => ({ ...r, rules: parseSynonyms(r.content).rules.length });

/** The list's collection id: null for the global list (unrestricted keys only), else one the caller writes. */
async function targetCollection(db: Queryable, caller: Scope, ref: number | string | null | undefined): Promise<number | null> {
  if (ref === null || ref === undefined || ref === '') {
    requireUnrestricted(caller, 'A global synonym list');
    return null;
  }
  const [id] = await resolveCollectionRefs(db, [ref], caller.collections, 'collection');
  requireWritable(caller, id!);
  return id!;
}

async function visibleList(db: Queryable, caller: Scope, id: number): Promise<SynonymListRow> {
  const row = await getSynonymList(db, id);
  if (!row || (row.collection_id !== null && !reaches(caller, row.collection_id))) throw synonymListNotFound(id);
  return row;
}

/** Changing or deleting: a global list needs an unrestricted key, a collection's list one that writes it. */
function requireChangeable(caller: Scope, row: SynonymListRow): void {
  if (row.collection_id === null) requireUnrestricted(caller, 'A global synonym list');
  else requireWritable(caller, row.collection_id);
}

export const synonymsRoutes = [
  defineRoute({
    method: 'get',
    path: '/admin/api/synonyms',
    access: 'admin',
    summary: 'List synonym lists (global ones and the caller’s collections’)',
    tags: ['admin'],
    query: listQuery(SYNONYM_SORTS, z.object({ id: idsFilter }).strict(), ['id', 'ASC']),
    raw: true,
    handler: async ({ app, query, caller, res }) => {
      const ids = query.filter.id === undefined ? undefined : ([] as number[]).concat(query.filter.id);
      const { rows, total } = await listSynonymLists(app.db, { ...query, within: caller!.collections, ids });
      sendList(res, 'synonyms', rows.map(shaped), total, query.offset);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/api/synonyms/:id',
    access: 'admin',
    summary: 'One synonym list',
    tags: ['admin'],
    params: idParams,
    response: record,
    handler: async ({ app, params, caller }) => shaped(await visibleList(app.db, caller!, params.id)),
  }),
  defineRoute({
    method: 'post',
    path: '/admin/api/synonyms',
    access: 'admin',
    summary: 'Create (import) a synonym list; every bad line is reported (400 SYNONYMS_INVALID, details.errors)',
    tags: ['admin'],
    body: createBody,
    status: 201,
    response: record,
    handler: async ({ app, body, caller, audit }) => {
      const collectionId = await targetCollection(app.db, caller!, body.collection);
      const row = await createSynonymList(app.db, { name: body.name, collection_id: collectionId, content: body.content, enabled: body.enabled ?? true });
      await audit({ action: 'synonyms.create', targetType: 'synonym_list', targetId: row.id, after: row });
      return shaped(row);
    },
  }),
  defineRoute({
    method: 'put',
    path: '/admin/api/synonyms/:id',
    access: 'admin',
    summary: 'Change a synonym list (applied to searches at once, no re-indexing)',
    tags: ['admin'],
    params: idParams,
    body: updateBody,
    response: record,
    handler: async ({ app, params, body, caller, audit }) => {
      const before = await visibleList(app.db, caller!, params.id);
      requireChangeable(caller!, before);
      const collectionId = body.collection === undefined ? undefined : await targetCollection(app.db, caller!, body.collection);
      const row = await changeSynonymList(app.db, params.id, {
        name: body.name,
        content: body.content,
        enabled: body.enabled,
        ...(collectionId === undefined ? {} : { collection_id: collectionId }),
      });
      await audit({ action: 'synonyms.update', targetType: 'synonym_list', targetId: row.id, before, after: row });
      return shaped(row);
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/admin/api/synonyms/:id',
    access: 'admin',
    summary: 'Delete a synonym list',
    tags: ['admin'],
    params: idParams,
    response: record,
    handler: async ({ app, params, caller, audit }) => {
      const before = await visibleList(app.db, caller!, params.id);
      requireChangeable(caller!, before);
      await removeSynonymList(app.db, params.id);
      await audit({ action: 'synonyms.delete', targetType: 'synonym_list', targetId: before.id, before });
      return shaped(before);
    },
  }),
];
