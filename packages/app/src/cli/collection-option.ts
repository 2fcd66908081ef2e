/**
 * `--collection <name-or-id…>` of the commands that read collections (ask, search, eval): names or ids,
 * passed on as the search filter `collections`, which the engine resolves (collections/collection-refs.ts)
 * whether the command runs in-process or through a running engine, and refuses naming an unknown one.
 */
import type { Command } from 'commander';
import { badRequest } from '@cite/core/errors.js';

export function addCollectionOption(command: Command): Command {
  return command.option('--collection <names-or-ids...>', 'only these collections, by name (or id)');
}

/** The filters with the `--collection` values as `collections`; both ways at once is ambiguous, refused. */
export function withCollections(filters: Record<string, unknown> | undefined, collections: string[] | undefined): Record<string, unknown> | undefined {
  if (!collections?.length) return filters;
  if (filters && 'collections' in filters) throw badRequest('INVALID_FILTERS', 'give the collections either with --collection or in --filters, not both');
  return { ...filters, collections };
}
