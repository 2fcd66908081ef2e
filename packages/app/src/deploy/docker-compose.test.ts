/** No Docker engine runs in CI: check what can be checked of the compose file without one. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { buildProgram } from '../cli/main.js';
import { configSchema } from '@cite/core/config/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const compose = YAML.parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; command?: string[]; environment?: Record<string, unknown>; healthcheck?: unknown; deploy?: { replicas?: number } }>;
  volumes: Record<string, unknown>;
};

describe('docker-compose.yml', () => {
  it('has PostgreSQL with a pinned pgvector image, the engine and scalable workers, with health checks', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['db', 'engine', 'worker']);
    expect(compose.services.db!.image).toMatch(/^pgvector\/pgvector:\d+\.\d+\.\d+-pg\d+$/);
    expect(compose.services.db!.healthcheck).toBeDefined();
    expect(compose.services.engine!.healthcheck).toBeDefined();
    expect(compose.services.engine!.command).toEqual(['start']);
    expect(compose.services.worker!.command).toEqual(['worker']);
    expect(compose.services.worker!.deploy?.replicas).toBeGreaterThanOrEqual(1);
    expect(Object.keys(compose.volumes)).toContain('pgdata');
  });

  it("gives PostgreSQL a buffer cache larger than its 128 MB default, for the search indexes", () => {
    const command = compose.services.db!.command!;
    expect(command[0]).toBe('postgres');
    const setting = command.find((c) => c.startsWith('shared_buffers='));
    expect(setting).toBe('shared_buffers=${POSTGRES_SHARED_BUFFERS:-1GB}');
  });

  it("keeps a search's working memory in PostgreSQL's backends between statements (glibc's malloc thresholds)", () => {
    const env = compose.services.db!.environment!;
    const mmap = Number(env.MALLOC_MMAP_THRESHOLD_);
    const trim = Number(env.MALLOC_TRIM_THRESHOLD_);
    // a hybrid search's hash tables and sorts reach ~1 MB: they must come from the heap, not from mmap
    expect(mmap).toBeGreaterThanOrEqual(2 ** 20);
    // and the heap must not be trimmed below what one statement uses
    expect(trim).toBeGreaterThanOrEqual(mmap);
    expect(trim).toBeLessThanOrEqual(64 * 2 ** 20);
  });

  it('passes only variables the code reads', () => {
    const known = new Set(Object.keys(configSchema.shape));
    for (const name of ['engine', 'worker']) {
      const env = compose.services[name]!.environment ?? {};
      expect(Object.keys(env).length).toBeGreaterThan(5);
      for (const key of Object.keys(env)) expect(known, `${name}: ${key}`).toContain(key);
      expect(String(env.DATABASE_URL)).toMatch(/^postgres:\/\/cite:.*@db:5432\/cite$/);
    }
  });

  it('explains the models volume it mounts read-only as MODELS_DIR', () => {
    const text = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    expect(Object.keys(compose.volumes)).toContain('models');
    for (const name of ['engine', 'worker']) expect(compose.services[name]!.environment!.MODELS_DIR).toBe('/models');
    // the comment right above the volume's declaration says what goes in it and how
    const declaration = text.split('\n').findIndex((l) => /^ {2}models:\s*$/.test(l));
    const comment = text.split('\n').slice(0, declaration).reverse();
    const block = comment.slice(0, comment.findIndex((l) => !l.trim().startsWith('#'))).reverse().join(' ');
    expect(block).toMatch(/MODELS_DIR=\/models/);
    expect(block).toMatch(/EMBEDDINGS=transformers/);
    expect(block).toMatch(/docker run .*cite_models:\/models/);
  });

  it('its image builds from a clean context and fails when the console does not build', () => {
    const ignore = fs.readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['**/node_modules', 'data/', '.git']) expect(ignore, entry).toContain(entry);
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/RUN npm run build/);
    // no command of the build may swallow a failure
    expect(dockerfile).not.toMatch(/\|\|\s*true/);
    expect(dockerfile).not.toMatch(/;\s*exit 0/);
  });

  it("runs as the node user, with DATA_DIR a folder of that user's (uploads wait there, embedded data lives there)", () => {
    const lines = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8').split('\n');
    const user = lines.findIndex((l) => /^USER /.test(l));
    expect(lines[user]).toBe('USER node');
    const dataDir = /DATA_DIR=(\S+)/.exec(lines.find((l) => /^ENV .*DATA_DIR=/.test(l)) ?? '')?.[1];
    expect(dataDir).toBe('/data');
    // made and given to node before USER: node cannot create a folder at the root of the image
    const made = lines.slice(0, user).find((l) => /^RUN /.test(l) && l.includes(`mkdir -p ${dataDir}`));
    expect(made).toMatch(new RegExp(`chown node:node ${dataDir}( |$)`));
    for (const name of ['engine', 'worker']) expect(compose.services[name]!.environment!.DATA_DIR).toBe(dataDir);
  });

  it('its commands exist in the CLI', async () => {
    const cli = new Set((await buildProgram()).commands.map((c) => c.name()));
    const used = ['engine', 'worker'].map((name) => compose.services[name]!.command![0]!);
    expect(used).toEqual(['start', 'worker']);
    for (const command of used) expect(cli, command).toContain(command);
  });
});
