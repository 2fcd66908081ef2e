import pino, { type Logger } from 'pino';
import { config } from '../config/config.js';
import { prettyDestination } from './pretty-log.js';

let root: Logger | undefined;

/**
 * The process logger: JSON lines on stdout, or terminal lines when stdout is a terminal (pretty-log.ts).
 * Components take a child: `logger().child({ component: 'frontier' })`; a key is bound once along a chain
 * of children (pino writes every binding of every ancestor: a rebound key would appear twice per line).
 */
export function logger(): Logger {
  root ??= pino(
    {
      // `LOG_LEVEL=` counts as unset, as the configuration has it: pino refused '' (a stack trace at start)
      level: process.env.LOG_LEVEL || config().LOG_LEVEL,
      base: { service: 'cite' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '***' },
    },
    process.stdout.isTTY ? prettyDestination(1) : pino.destination({ fd: 1, sync: true }),
  );
  return root;
}

export function componentLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return logger().child({ component, ...bindings });
}
