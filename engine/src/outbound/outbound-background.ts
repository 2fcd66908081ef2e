/**
 * Background part that installs the outbound guard in worker processes (`cite worker`) before the
 * crawler starts; in `cite start` the HTTP engine installs it too (the guard is shared, ref-counted).
 */
import { registerBackground } from '../background.js';
import { installOutboundGuard } from './outbound-guard.js';

registerBackground(async (app) => {
  const uninstall = await installOutboundGuard(app);
  return async () => uninstall();
});
