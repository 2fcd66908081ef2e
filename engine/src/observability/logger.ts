import pino, { type Logger } from 'pino';
import { config } from '../config/config.js';

let root: Logger | undefined;

/** The process logger (JSON lines on stdout). Components take a child: `logger().child({ component: 'frontier' })`. */
export function logger(): Logger {
  root ??= pino({
    level: process.env.LOG_LEVEL ?? config().LOG_LEVEL,
    base: { service: 'cite' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '***' },
  });
  return root;
}

export function componentLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return logger().child({ component, ...bindings });
}
