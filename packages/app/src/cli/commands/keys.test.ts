import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableModes, openTestDatabase } from '@cite/core/testing/databases.js';

const CITE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/cite.mjs');

for (const mode of availableModes()) {
  describe(`cite keys create [${mode}]`, () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-keys-cli-'));
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
    for (const k of Object.keys(env)) if (/^(VITEST|CITE_)/.test(k)) delete env[k];
    let collection = 0;
    let dispose: () => Promise<void> = async () => {};

    const cite = (...args: string[]) => spawnSync(process.execPath, [CITE, ...args], { env, encoding: 'utf8', timeout: 240_000, stdio: ['ignore', 'pipe', 'pipe'] });

    beforeAll(async () => {
      const dataDir = path.join(tmp, 'data');
      const opened = await openTestDatabase(mode, { dataDir });
      collection = Number((await opened.db.query<{ id: number }>(`INSERT INTO collections (name) VALUES ('travail') RETURNING id`)).rows[0]!.id);
      if (mode === 'server') {
        env.DATABASE_URL = opened.url;
        dispose = opened.dispose;
      } else {
        delete env.DATABASE_URL;
        env.DATA_DIR = dataDir;
        await opened.db.close(); // the CLI opens the embedded database itself
      }
    }, 180_000);
    afterAll(async () => {
      await dispose();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('refuses an expiry in the past, a date it cannot read, and collections that do not exist', () => {
      const past = cite('keys', 'create', '--role', 'agent', '--name', 'old', '--expires', '2020-01-01');
      expect(past.status).toBe(1);
      expect(past.stderr).toContain('KEY_EXPIRY_IN_PAST');
      const garbled = cite('keys', 'create', '--role', 'agent', '--name', 'old', '--expires', 'next tuesday');
      expect(garbled.status).toBe(1);
      expect(garbled.stderr).toContain('KEY_EXPIRY_INVALID');
      const ahead = cite('keys', 'create', '--role', 'agent', '--name', 'ahead', '--collections', `${collection},${collection + 500}`);
      expect(ahead.status).toBe(1);
      expect(ahead.stderr).toContain('KEY_COLLECTIONS_NOT_FOUND');
      expect(ahead.stderr).toContain(String(collection + 500));
      const ok = cite('keys', 'create', '--role', 'agent', '--name', 'scoped', '--collections', String(collection), '--expires', '2099-01-01', '--json');
      expect(ok.status, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ role: 'agent', name: 'scoped' });
    }, 240_000);

    it('refuses an empty or overlong name and a key id that is not one, with their codes (no stack trace)', () => {
      for (const name of ['', '   ', 'n'.repeat(201)]) {
        const refused = cite('keys', 'create', '--role', 'agent', '--name', name);
        expect(refused.status).toBe(1);
        expect(refused.stderr).toMatch(/^cite: INVALID_KEY_NAME: /);
      }
      const revoked = cite('keys', 'revoke', 'abc');
      expect(revoked.status).toBe(1);
      expect(revoked.stderr).toMatch(/^cite: INVALID_KEY_ID: /);
      expect(revoked.stderr).not.toMatch(/\n\s+at /);
    }, 240_000);
  });
}
