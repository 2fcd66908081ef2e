/**
 * `npx tsx scripts/build-pglite-template.ts`: makes the new data directory of the installed PGlite with its
 * initdb and writes it to packages/core/assets as the tarball a first start loads instead of running initdb
 * (packages/core/src/db/pglite-datadir-template.ts says why). Run it after upgrading @electric-sql/pglite:
 * the tarballs of other versions are removed, and a test fails until the installed version has its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dumpEmbeddedDatabase, initDataDir, openEmbeddedDatabase } from '@cite/core/db/embedded-database.js';
import { TEMPLATES_DIR, compressTemplate, templateChecksum, templateFileName } from '@cite/core/db/pglite-datadir-template.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-pglite-template-'));
try {
  await initDataDir(path.join(work, 'pgdata'), null); // initdb itself, not the tarball being replaced
  const db = await openEmbeddedDatabase(work, { upkeep: false });
  const tar = await dumpEmbeddedDatabase(db); // checkpointed: a copy opens without replaying WAL
  await db.close();
  const compressed = compressTemplate(tar);
  fs.mkdirSync(TEMPLATES_DIR, { recursive: true });
  const name = templateFileName();
  for (const old of fs.readdirSync(TEMPLATES_DIR)) {
    if (/^pglite-.*-datadir\.tar\.br(\.sha256)?$/.test(old) && !old.startsWith(name)) fs.rmSync(path.join(TEMPLATES_DIR, old));
  }
  fs.writeFileSync(path.join(TEMPLATES_DIR, `${name}.tmp`), compressed);
  fs.writeFileSync(path.join(TEMPLATES_DIR, `${name}.sha256`), `${templateChecksum(compressed)}\n`);
  fs.renameSync(path.join(TEMPLATES_DIR, `${name}.tmp`), path.join(TEMPLATES_DIR, name));
  process.stdout.write(`${name}: ${tar.byteLength} bytes of tar, ${compressed.byteLength} compressed\n`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
