/**
 * `cite data export|erase --key-id N` and `cite data purge`: data control from the command line. Goes
 * through the running engine's API when one holds the embedded database, else opens the database.
 */
import fs from 'node:fs';
import readline from 'node:readline/promises';
import type { Command } from 'commander';
import { recordAudit } from '@cite/core/audit/audit-repo.js';
import { eraseKeyData, exportCounts, exportKeyData, type ErasureCounts, type KeyDataExport } from '../../data-control/key-data.js';
import { purgeExpired, retentionPolicy, type PurgeReport } from '../../data-control/retention.js';
import { badRequest, CiteError } from '@cite/core/errors.js';
import { callEngine, remoteEngine, withDatabase } from '../cli-context.js';
import { erasureShape, keyExportShape, purgeShape } from '../engine-answer-shapes.js';

function parseKeyId(s: string): number {
  const n = Number(s);
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(n) || n <= 0) throw badRequest('INVALID_KEY_ID', '--key-id takes the numeric id of an API key (see `cite keys list`)');
  return n;
}

async function confirmErasure(keyId: number, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new CiteError('CONFIRMATION_REQUIRED', 'Erasure cannot be undone: add --yes to confirm when not on a terminal', { status: 400 });
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`Erase every question, answer and feedback of API key ${keyId}? This cannot be undone. Type ${keyId} to confirm: `);
    if (answer.trim() !== String(keyId)) throw new CiteError('CONFIRMATION_REQUIRED', 'Erasure not confirmed; nothing was deleted', { status: 400 });
  } finally {
    rl.close();
  }
}

export function register(program: Command): void {
  const data = program.command('data').description('Data control: export or erase what an API key left, purge expired rows');

  data
    .command('export')
    .description("Export the questions, answers and feedback of an API key's person as JSON")
    .requiredOption('--key-id <id>', 'API key id')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (opts: { keyId: string; out?: string }) => {
      const keyId = parseKeyId(opts.keyId);
      const engine = remoteEngine();
      const exported = engine
        ? await callEngine<KeyDataExport>(engine, 'GET', `/admin/api/api-keys/${keyId}/export`, undefined, {
            shape: keyExportShape,
          })
        : await withDatabase(async (db) => {
            const e = await exportKeyData(db, keyId);
            await recordAudit(db, { actorName: 'cli', action: 'data.export', targetType: 'api_key', targetId: keyId, after: exportCounts(e) });
            return e;
          });
      const json = `${JSON.stringify(exported, null, 2)}\n`;
      if (opts.out) {
        fs.writeFileSync(opts.out, json, { mode: 0o600 });
        process.stderr.write(`Exported ${exported.answers.length} answers and ${exported.feedback.length} feedback entries to ${opts.out}\n`);
      } else process.stdout.write(json);
    });

  data
    .command('erase')
    .description("Erase the questions, answers and feedback of an API key's person (an audit line without content is kept)")
    .requiredOption('--key-id <id>', 'API key id')
    .option('--yes', 'do not ask for confirmation')
    .option('--json', 'print the counts as JSON')
    .action(async (opts: { keyId: string; yes?: boolean; json?: boolean }) => {
      const keyId = parseKeyId(opts.keyId);
      await confirmErasure(keyId, opts.yes);
      const engine = remoteEngine();
      const erase = `/admin/api/api-keys/${keyId}/erase`;
      const call = { shape: erasureShape };
      const erased = engine
        ? (await callEngine<{ erased: ErasureCounts }>(engine, 'POST', erase, { confirm: true }, call)).erased
        : await withDatabase((db) => eraseKeyData(db, keyId, { name: 'cli' }));
      if (opts.json) process.stdout.write(`${JSON.stringify({ api_key_id: keyId, erased })}\n`);
      else {
        const other = Object.entries(erased.other).map(([t, n]) => `, ${n} ${t}`).join('');
        process.stdout.write(
          `Erased for key ${keyId}: ${erased.answers} answers, ${erased.feedback} feedback, ${erased.eval_items} evaluation items` +
            `${other}; ${erased.audit_entries_scrubbed} audit entries emptied of content.\n`,
        );
      }
    });

  data
    .command('purge')
    .description('Delete rows past their retention period now (RETENTION_*_DAYS)')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const engine = remoteEngine();
      const report = engine
        ? await callEngine<PurgeReport>(engine, 'POST', '/admin/api/retention/purge', {}, { shape: purgeShape })
        : await withDatabase((db, cfg) => purgeExpired(db, retentionPolicy(cfg), { batchSize: cfg.RETENTION_PURGE_BATCH_SIZE, actor: { name: 'cli' } }));
      if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        const d = report.deleted;
        process.stdout.write(
          `Purged: ${d.answers} answers, ${d.feedback} feedback, ${d.crawl_runs} crawl runs (${d.frontier} frontier rows, ${d.ingest_errors} ingest errors), ` +
            `${d.audit_log} audit entries; kept as evaluation data: ${report.exempt.answers} answers, ${report.exempt.feedback} feedback.\n`,
        );
      }
    });
}
