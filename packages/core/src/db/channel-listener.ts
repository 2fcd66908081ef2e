/**
 * LISTEN on one channel of the server database, on a connection of its own (a pooled connection goes
 * back to the pool and its LISTEN with it). While the connection is down, notifications are lost: the
 * listener says so (`gap`) and is not `live` until it listens again, so whoever keeps state that
 * notifications invalidate must forget it then and keep nothing until `live` returns.
 */
import pg from 'pg';
import { componentLogger } from '../observability/logger.js';

export interface ChannelHandlers {
  /** A notification on the channel (its payload). */
  message(payload: string): void;
  /** Notifications may have been missed: the connection was lost (or not yet listening). */
  gap(): void;
}

export interface ChannelSubscription {
  /** Listening now: every notification committed from now on will arrive. */
  readonly live: boolean;
  close(): Promise<void>;
}

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

export function listenOnChannel(url: string, channel: string, handlers: ChannelHandlers): ChannelSubscription {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new RangeError(`not a channel name: ${channel}`);
  const log = componentLogger('database', { channel });
  let client: pg.Client | undefined;
  let live = false;
  let closed = false;
  let retryMs = RETRY_MIN_MS;
  let timer: NodeJS.Timeout | undefined;

  const lost = (e?: Error) => {
    if (e && !closed) log.warn({ err: e.message }, 'listening connection lost; state kept from notifications is dropped until it is back');
    const c = client;
    client = undefined;
    live = false;
    handlers.gap();
    c?.removeAllListeners();
    c?.on('error', () => {});
    c?.end().catch(() => {});
    if (closed) return;
    timer = setTimeout(connect, retryMs);
    timer.unref();
    retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
  };

  const connect = async () => {
    const c = new pg.Client({ connectionString: url, application_name: `cite listener ${channel}`, connectionTimeoutMillis: 10_000 });
    client = c;
    c.on('error', (e) => client === c && lost(e));
    c.on('end', () => client === c && lost(new Error('connection ended')));
    c.on('notification', (n) => n.channel === channel && handlers.message(n.payload ?? ''));
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
      if (client !== c || closed) return;
      live = true;
      retryMs = RETRY_MIN_MS;
    } catch (e) {
      if (client === c) lost(e as Error);
    }
  };

  void connect();
  return {
    get live() {
      return live;
    },
    close: async () => {
      closed = true;
      clearTimeout(timer);
      live = false;
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
