import type { Clock } from './clock';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

/** Structured logging port: one JSON object per line, so supervisors and tests can parse it. */
export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/**
 * Writes `{"ts","level","msg",...fields}` lines through `write`. `ts` is an ISO-8601 string; the
 * fixed keys come first and cannot be overwritten by fields.
 */
export function createJsonLogger(
  write: (line: string) => void,
  clock: Pick<Clock, 'nowMs'>,
): Logger {
  const log = (level: LogLevel, msg: string, fields: LogFields = {}): void => {
    const entry: LogFields = { ts: new Date(clock.nowMs()).toISOString(), level, msg };
    for (const [key, value] of Object.entries(fields)) if (!(key in entry)) entry[key] = value;
    write(`${JSON.stringify(entry)}\n`);
  };
  return {
    log,
    info: (msg, fields) => log('info', msg, fields),
    warn: (msg, fields) => log('warn', msg, fields),
    error: (msg, fields) => log('error', msg, fields),
  };
}
