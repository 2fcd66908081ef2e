import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, loadConfig } from './config.js';

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
});
