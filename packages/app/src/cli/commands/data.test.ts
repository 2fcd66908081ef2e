import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../../keys/api-keys.js';
import { availableModes, openTestDatabase } from '@cite/core/testing/databases.js';

const CITE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/cite.mjs');

for (const mode of availableModes()) {
  describe(`cite data [${mode}]`, () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-data-cli-'));
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
    for (const k of Object.keys(env)) if (/^(VITEST|CITE_)/.test(k)) delete env[k];
    let keyId = 0;
    let dispose: () => Promise<void> = async () => {};

    const cite = (...args: string[]) => spawnSync(process.execPath, [CITE, ...args], { env, encoding: 'utf8', timeout: 240_000, stdio: ['ignore', 'pipe', 'pipe'] });

    beforeAll(async () => {
      const dataDir = path.join(tmp, 'data');
      const opened = await openTestDatabase(mode, { dataDir });
      const db = opened.db;
      keyId = (await createKey(db, { name: 'agent-cli', role: 'agent' })).row.id;
      const a = await db.query<{ id: string }>(`INSERT INTO answers (api_key_id, question, answer) VALUES ($1, 'Comment déclarer un arrêt maladie ?', 'Sous 48 heures [1]') RETURNING id`, [keyId]);
      await db.query(`INSERT INTO feedback (answer_id, api_key_id, rating, comment) VALUES ($1, $2, 'up', 'merci')`, [a.rows[0]!.id, keyId]);
      if (mode === 'server') {
        env.DATABASE_URL = opened.url;
        dispose = opened.dispose;
      } else {
        delete env.DATABASE_URL;
        env.DATA_DIR = dataDir;
        await db.close(); // the CLI opens the embedded database itself
      }
    }, 180_000);
    afterAll(async () => {
      await dispose();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('exports a key to a file, refuses to erase without confirmation off a terminal, then erases', () => {
      const out = path.join(tmp, 'export.json');
      const exp = cite('data', 'export', '--key-id', String(keyId), '--out', out);
      expect(exp.status, exp.stderr).toBe(0);
      const data = JSON.parse(fs.readFileSync(out, 'utf8')) as { api_key: { id: number }; answers: Array<{ question: string }>; feedback: Array<{ comment: string }> };
      expect(data.api_key.id).toBe(keyId);
      expect(data.answers.map((x) => x.question)).toEqual(['Comment déclarer un arrêt maladie ?']);
      expect(data.feedback.map((x) => x.comment)).toEqual(['merci']);
      expect(fs.statSync(out).mode & 0o077).toBe(0); // personal data: readable by the owner only

      const refused = cite('data', 'erase', '--key-id', String(keyId));
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain('CONFIRMATION_REQUIRED');

      const erased = cite('data', 'erase', '--key-id', String(keyId), '--yes', '--json');
      expect(erased.status, erased.stderr).toBe(0);
      expect(JSON.parse(erased.stdout)).toMatchObject({ api_key_id: keyId, erased: { answers: 1, feedback: 1 } });

      const after = cite('data', 'export', '--key-id', String(keyId));
      expect(after.status, after.stderr).toBe(0);
      expect((JSON.parse(after.stdout) as { answers: unknown[] }).answers).toEqual([]);
    }, 600_000); // four CLI starts (tsx + database open); slow on a loaded 2-core machine

    it('answers clear errors for bad or unknown key ids', () => {
      const bad = cite('data', 'export', '--key-id', 'abc');
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain('INVALID_KEY_ID');
      const unknown = cite('data', 'erase', '--key-id', '987654', '--yes');
      expect(unknown.status).toBe(1);
      expect(unknown.stderr).toContain('API_KEY_NOT_FOUND');
    }, 300_000);
  });
}
