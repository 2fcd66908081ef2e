/**
 * Log lines for a person at a terminal: `12:04:31 INFO  crawler: crawler worker started concurrency=8`.
 * `cite start` on a terminal writes these instead of JSON, so its logs read like its own messages
 * ("Cité is listening on …") rather than interleaving JSON with them; anything else (a pipe, a file, a
 * container's log collector) gets pino's JSON lines, one object per line.
 */
import fs from 'node:fs';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Written by every line or said by its layout: not repeated as key=value. */
const SHOWN = new Set(['level', 'time', 'msg', 'component', 'service', 'pid', 'hostname']);

const value = (v: unknown): string => {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (v && typeof v === 'object' && 'message' in v && 'stack' in v) return JSON.stringify((v as { message: unknown }).message); // an error: its message
  return JSON.stringify(v) ?? String(v);
};

/** One pino JSON line as a terminal line; a line that is not JSON is passed through as it is. */
export function formatLogLine(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const time = typeof o.time === 'string' ? o.time.slice(11, 19) : new Date(Number(o.time ?? Date.now())).toISOString().slice(11, 19);
  const level = (LEVELS[Number(o.level)] ?? String(o.level)).padEnd(5);
  const who = o.component ? `${String(o.component)}: ` : '';
  const rest = Object.entries(o)
    .filter(([k]) => !SHOWN.has(k))
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(' ');
  return `${time} ${level} ${who}${String(o.msg ?? '')}${rest ? ` ${rest}` : ''}\n`;
}

/** A pino destination writing terminal lines to a file descriptor, synchronously (no line overtakes another). */
export function prettyDestination(fd = 1): { write(line: string): void } {
  return { write: (chunk: string) => void fs.writeSync(fd, chunk.split('\n').filter(Boolean).map(formatLogLine).join('')) };
}
