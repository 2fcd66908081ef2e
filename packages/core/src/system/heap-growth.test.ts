import { spawnSync } from 'node:child_process';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// the policy is process-wide and applied once: each test gets a fresh module
let applyHeapGrowth: typeof import('./heap-growth.js').applyHeapGrowth;
beforeEach(async () => {
  vi.resetModules();
  ({ applyHeapGrowth } = await import('./heap-growth.js'));
});

describe('applyHeapGrowth', () => {
  it("sets V8's heap growing factor once, for the whole process", () => {
    const set = vi.fn();
    expect(applyHeapGrowth(50, set)).toBe(true);
    expect(set).toHaveBeenCalledWith('--heap-growing-percent=50');
    // a second configuration (a library caller, a test) does not change a running process's policy
    expect(applyHeapGrowth(20, set)).toBe(false);
    expect(set).toHaveBeenCalledTimes(1);
  });

  it("leaves V8's own policy at 0", () => {
    const set = vi.fn();
    expect(applyHeapGrowth(0, set)).toBe(false);
    expect(set).not.toHaveBeenCalled();
    expect(applyHeapGrowth(30, set)).toBe(true);
    expect(set).toHaveBeenCalledWith('--heap-growing-percent=30');
  });

  it("names a flag this Node's V8 has", () => {
    // V8 ignores an unknown flag silently: a Node upgrade that dropped it would leave the policy off unseen
    const options = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;
    expect(options).toMatch(/^\s+--heap-growing-percent \(/m);
  });
});
