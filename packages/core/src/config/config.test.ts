import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, CONFIG_FILE_MAX_BYTES, loadConfig } from './config.js';

describe('configuration', () => {
  it('applies defaults when nothing is set', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(8080);
    expect(c.DATA_DIR).toBe('./data');
    expect(c.EMBEDDINGS).toBe('hash');
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.CRAWLER_ALLOW_PRIVATE_NETWORKS).toBe(false);
  });

  it('gives code without a configuration the schema defaults, read-only', () => {
    expect(CONFIG_DEFAULTS).toEqual(loadConfig({}));
    expect(CONFIG_DEFAULTS.EMBEDDINGS_BATCH_SIZE).toBe(64);
    expect(() => ((CONFIG_DEFAULTS as { PORT: number }).PORT = 1)).toThrow(TypeError);
  });

  it('names the variable and the accepted values when a value is wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT: expected a whole number between 0 and 65535/);
    expect(() => loadConfig({ EMBEDDINGS: 'word2vec' })).toThrow(/EMBEDDINGS: expected hash, transformers:<model> or openai:<model>/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: expected postgres:\/\//);
    expect(() => loadConfig({ CRAWLER_ALLOW_PRIVATE_NETWORKS: 'maybe' })).toThrow(/CRAWLER_ALLOW_PRIVATE_NETWORKS: expected true or false/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });

  it('reports every wrong variable at once', () => {
    try {
      loadConfig({ PORT: '-1', LLM_BASE_URL: 'not a url' });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toMatch(/PORT/);
      expect((e as Error).message).toMatch(/LLM_BASE_URL/);
    }
  });

  it('treats empty strings as unset (compose files often pass VAR=)', () => {
    expect(loadConfig({ LLM_BASE_URL: '', PORT: '' }).LLM_BASE_URL).toBeUndefined();
  });

  it('reads an optional JSON config file, the environment winning', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cite-cfg-')), 'cite.json');
    fs.writeFileSync(file, JSON.stringify({ PORT: 9000, LOG_LEVEL: 'debug' }));
    const c = loadConfig({ CITE_CONFIG: file, LOG_LEVEL: 'warn' });
    expect(c.PORT).toBe(9000);
    expect(c.LOG_LEVEL).toBe('warn');
    fs.writeFileSync(file, '{not json');
    expect(() => loadConfig({ CITE_CONFIG: file })).toThrow(/CITE_CONFIG/);
  });

  describe('a config file that is not what it should be stops with CONFIG_INVALID, promptly', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cite-cfg-'));
    const refusal = (file: string) => {
      try {
        loadConfig({ CITE_CONFIG: file });
      } catch (e) {
        return e as Error & { code?: string };
      }
      throw new Error(`${file} was accepted`);
    };

    it('a device, a FIFO with no writer, a directory or a huge file: refused without reading it', () => {
      const fifo = path.join(dir, 'fifo.json');
      execFileSync('mkfifo', [fifo]);
      const huge = path.join(dir, 'huge.json');
      fs.writeFileSync(huge, `{"PORT": "1", "_pad": "${'x'.repeat(CONFIG_FILE_MAX_BYTES)}"}`);
      for (const file of ['/dev/zero', fifo, dir, huge]) {
        const e = refusal(file);
        expect(e.code).toBe('CONFIG_INVALID');
        expect(e.message).toMatch(/^CITE_CONFIG: /);
      }
      expect(refusal(huge).message).toMatch(/larger than/);
      expect(refusal(fifo).message).toMatch(/not a regular file/);
    });

    it('names misspelt variables and values of the wrong type; null is unset, annotations are skipped', () => {
      const file = path.join(dir, 'cite.json');
      fs.writeFileSync(file, JSON.stringify({ PROT: 9000, CRAWLER_ALLOW_PRIVATE_NETWORK: true, PORT: { n: 1 }, OUTBOUND_ALLOW: ['a'] }));
      const e = refusal(file);
      expect(e.code).toBe('CONFIG_INVALID');
      for (const line of ['PROT: not a variable', 'CRAWLER_ALLOW_PRIVATE_NETWORK: not a variable', 'PORT: expected a string, number or boolean', 'OUTBOUND_ALLOW: expected']) {
        expect(e.message).toContain(line);
      }
      fs.writeFileSync(file, '{"__proto__": {"PORT": "x"}, "$schema": "x", "_comment": "x", "LLM_BASE_URL": null, "MODELS_ALLOW_DOWNLOAD": true}');
      const c = loadConfig({ CITE_CONFIG: file });
      expect(c.LLM_BASE_URL).toBeUndefined();
      expect(c.MODELS_ALLOW_DOWNLOAD).toBe(true);
      expect(c.PORT).toBe(8080);
    });
  });
});
