/**
 * Background part that installs the outbound guard in worker processes (`cite worker`) before the
 * crawler starts; in `cite start` the HTTP engine installs it too (the guard is shared, ref-counted).
 */
import type { AppContext } from '@cite/core/http/app-context.js';
import { installOutboundGuard } from '@cite/core/outbound/outbound-guard.js';

export async function startOutboundGuard(app: AppContext): Promise<() => Promise<void>> {
  const uninstall = await installOutboundGuard(app);
  return async () => uninstall();
}
