import type { Clock, LogSink } from './ports';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Extra structured fields on one log line; values must be JSON-serialisable. */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  replicaId: string;
  clock: Clock;
  sink: LogSink;
}

/**
 * One JSON object per line: `{"ts","level","msg","replicaId",...fields}`. Log shippers (journald,
 * Vector, Loki) parse this without a grammar, and engine output is wrapped in the same shape.
 * The four leading keys are reserved: a field cannot forge `level` or `replicaId`.
 */
export function createLogger({ replicaId, clock, sink }: LoggerOptions): Logger {
  const write = (level: LogLevel, msg: string, fields: LogFields = {}): void => {
    const line: Record<string, unknown> = {
      ts: new Date(clock.nowMs()).toISOString(),
      level,
      msg,
      replicaId,
    };
    for (const [key, value] of Object.entries(fields)) if (!(key in line)) line[key] = value;
    sink(JSON.stringify(line));
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}

/** Message of an unknown thrown value, for log fields and state details. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    // undici hides the useful part (ECONNREFUSED, ETIMEDOUT) in `cause`.
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
