#!/usr/bin/env node
/**
 * Runs after `npm ci` / `npm install` (the root `prepare` script): builds the console when
 * console/dist is missing or older than its sources, so `npm ci && npm start` serves a current
 * console. It never fails the install: when it cannot build, it says why and exits 0 (the engine
 * then answers CONSOLE_NOT_BUILT at /console until `npm run build` is run).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Newest modification time (ms) under the given paths; 0 when none exist. */
export function newestMtime(paths) {
  let newest = 0;
  const visit = (p) => {
    let st;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p)) if (name !== 'node_modules') visit(path.join(p, name));
    } else if (st.mtimeMs > newest) newest = st.mtimeMs;
  };
  paths.forEach(visit);
  return newest;
}

/** Why the console needs building, or null when console/dist is current. */
export function buildReason(root = ROOT) {
  const consoleDir = path.join(root, 'console');
  const inputs = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json'].map((p) => path.join(consoleDir, p));
  const sources = newestMtime(inputs);
  if (sources === 0) return null; // no console sources in this install: nothing to build
  const built = path.join(consoleDir, 'dist', 'index.html');
  if (!fs.existsSync(built)) return 'console/dist is missing';
  if (fs.statSync(built).mtimeMs < sources) return 'console/dist is older than console/src';
  return null;
}

function viteInstalled(root) {
  return ['console/node_modules/vite/package.json', 'node_modules/vite/package.json'].some((p) => fs.existsSync(path.join(root, p)));
}

function npmBuild(root) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // A production build whatever the caller's NODE_ENV (under vitest it is "test", which would ship
  // React's development build).
  const r = spawnSync(npm, ['run', 'build', '-w', 'console', '--silent'], {
    cwd: root,
    encoding: 'utf8',
    stdio: 'pipe',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** Returns the line it printed (tests read it); never throws. */
export function main({ root = ROOT, env = process.env, build = npmBuild, log = (s) => console.log(s) } = {}) {
  try {
    if (env.CITE_SKIP_CONSOLE_BUILD === '1' || env.CITE_SKIP_CONSOLE_BUILD === 'true') return '';
    const reason = buildReason(root);
    if (!reason) return '';
    if (!viteInstalled(root)) {
      const line = `cite: console not built (${reason}): vite is not installed (dev dependencies omitted?); run "npm run build" where it is.`;
      log(line);
      return line;
    }
    const { ok, output } = build(root);
    if (ok) return '';
    const tail = output.trim().split('\n').slice(-8).join('\n');
    const line = `cite: console not built (${reason}): "npm run build" failed; the engine answers CONSOLE_NOT_BUILT at /console until it succeeds.\n${tail}`;
    log(line);
    return line;
  } catch (e) {
    const line = `cite: console not built: ${e instanceof Error ? e.message : String(e)}`;
    log(line);
    return line;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main();
  process.exit(0);
}
