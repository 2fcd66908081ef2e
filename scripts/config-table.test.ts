import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configSchema } from '@cite/core/config/config.js';
import { renderReadme } from './config-table.js';

const readme = fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../README.md'), 'utf8');

describe('README configuration table', () => {
  it('lists every variable the code reads, with its default (regenerate: npx tsx scripts/config-table.ts)', () => {
    for (const name of Object.keys(configSchema.shape)) expect(readme).toContain(`| \`${name}\` |`);
    expect(renderReadme(readme)).toBe(readme);
  });
});
