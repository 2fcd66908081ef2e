/** No Docker engine runs in CI: check what can be checked of the compose file without one. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { buildProgram } from '../cli/main.js';
import { configSchema } from '../config/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
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

  it('passes only variables the code reads', () => {
    const known = new Set(Object.keys(configSchema.shape));
    for (const name of ['engine', 'worker']) {
      const env = compose.services[name]!.environment ?? {};
      expect(Object.keys(env).length).toBeGreaterThan(5);
      for (const key of Object.keys(env)) expect(known, `${name}: ${key}`).toContain(key);
      expect(String(env.DATABASE_URL)).toMatch(/^postgres:\/\/cite:.*@db:5432\/cite$/);
    }
  });

  it('its commands exist in the CLI', () => {
    const cli = new Set(buildProgram().commands.map((c) => c.name()));
    const used = ['engine', 'worker'].map((name) => compose.services[name]!.command![0]!);
    expect(used).toEqual(['start', 'worker']);
    for (const command of used) expect(cli, command).toContain(command);
  });
});
