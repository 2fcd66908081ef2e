import type { Command } from 'commander';
import { ROLES, type Role } from '@cite/core/auth/roles.js';
import { recordAudit } from '@cite/core/audit/audit-repo.js';
import { badRequest } from '@cite/core/errors.js';
import { createKey, revoke } from '../../keys/api-keys.js';
import { listKeys } from '../../keys/api-keys-repo.js';
import { callEngine, remoteEngine, withDatabase } from '../cli-context.js';
import { createdKeyShape, keyListShape } from '../engine-answer-shapes.js';
import { terminalLine } from '../terminal-text.js';

function parseRole(role: string): Role {
  if (!(ROLES as readonly string[]).includes(role)) throw badRequest('INVALID_ROLE', `--role must be one of ${ROLES.join(', ')}`);
  return role as Role;
}
function parseCollections(s?: string): number[] | null {
  if (!s) return null;
  const ids = s.split(',').map((x) => Number(x.trim()));
  if (ids.some((n) => !Number.isInteger(n) || n <= 0)) throw badRequest('INVALID_COLLECTIONS', '--collections takes collection ids separated by commas');
  return ids;
}

/** The name a key is listed under: the admin API's rule (api-keys-routes.ts), which the CLI went around. */
function parseName(s: string): string {
  const name = s.trim();
  if (!name || name.length > 200) throw badRequest('INVALID_KEY_NAME', '--name takes 1 to 200 characters');
  return name;
}

function parseKeyId(s: string): number {
  const n = Number(s);
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(n) || n <= 0) {
    throw badRequest('INVALID_KEY_ID', 'revoke takes the numeric id of an API key (see `cite keys list`)');
  }
  return n;
}

function parseExpiry(s?: string): string | null {
  if (!s) return null;
  const at = new Date(s);
  if (Number.isNaN(at.getTime())) throw badRequest('KEY_EXPIRY_INVALID', `--expires takes a date such as 2026-12-31 or 2026-12-31T18:00:00Z, not ${s}`);
  return at.toISOString();
}

export function register(program: Command): void {
  const keys = program.command('keys').description('Manage API keys');
  keys
    .command('create')
    .description('Create an API key (printed once)')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .requiredOption('--name <name>', 'who or what uses the key')
    .option('--collections <ids>', 'only these existing collection ids (comma separated)')
    .option('--expires <iso-date>', 'expiry date, in the future')
    .option('--web-search', 'allow internet search ("web": true) with this key')
    .option('--json', 'print {"key","role","name"}')
    .action(async (opts: { role: string; name: string; collections?: string; expires?: string; webSearch?: boolean; json?: boolean }) => {
      const role = parseRole(opts.role);
      const name = parseName(opts.name);
      const collections = parseCollections(opts.collections);
      const expiresAt = parseExpiry(opts.expires);
      const engine = remoteEngine();
      let key: string;
      if (engine) {
        const created = await callEngine<{ key: string }>(engine, 'POST', '/admin/api/api-keys', {
          name,
          role,
          collections,
          expires_at: expiresAt,
          web_search: opts.webSearch ?? false,
        }, { shape: createdKeyShape });
        key = created.key;
      } else {
        key = await withDatabase(async (db) => {
          const created = await createKey(db, { name, role, collections, expiresAt, webSearch: opts.webSearch ?? false });
          await recordAudit(db, { actorName: 'cli', action: 'api_key.create', targetType: 'api_key', targetId: created.row.id, after: created.row });
          return created.key;
        });
      }
      if (opts.json) process.stdout.write(`${JSON.stringify({ key, role, name })}\n`);
      else process.stdout.write(`${key}\n(role ${role}, name ${terminalLine(name)}; shown once, keep it safe)\n`);
    });
  keys
    .command('list')
    .description('List API keys')
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }) => {
      const engine = remoteEngine();
      const rows = engine
        ? await callEngine<unknown[]>(engine, 'GET', '/admin/api/api-keys?range=[0,499]', undefined, {
            shape: keyListShape,
          })
        : await withDatabase(async (db) => (await listKeys(db, { limit: 500, offset: 0, sort: 'id', order: 'ASC' })).rows);
      if (opts.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else for (const r of rows as Array<Record<string, unknown>>)
        // names are whatever an admin typed (console, API): one line each, as text
        process.stdout.write(`${r.id}\t${r.role}\t${terminalLine(String(r.name))}\t${r.prefix}…\t${r.revoked_at ? 'revoked' : 'active'}\tlast used ${r.last_used_at ?? 'never'}\n`);
    });
  keys
    .command('revoke <id>')
    .description('Revoke an API key')
    .action(async (idText: string) => {
      const id = parseKeyId(idText);
      const engine = remoteEngine();
      if (engine) await callEngine(engine, 'DELETE', `/admin/api/api-keys/${id}`);
      else
        await withDatabase(async (db) => {
          const row = await revoke(db, id);
          await recordAudit(db, { actorName: 'cli', action: 'api_key.revoke', targetType: 'api_key', targetId: row.id, after: row });
        });
      process.stdout.write(`Key ${id} revoked.\n`);
    });
}
