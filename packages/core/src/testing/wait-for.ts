/**
 * Polls `check` until it gives a value (not undefined), then returns it; throws `timed out waiting for
 * <what>` past `timeoutMs`. For tests that wait on something another part does in its own time.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const got = await check();
    if (got !== undefined) return got;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
