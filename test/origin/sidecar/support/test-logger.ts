import { createLogger, type Logger } from '../../../../origin/sidecar/logger';

export interface LogRecord {
  ts: string;
  level: string;
  msg: string;
  replicaId: string;
  [field: string]: unknown;
}

/** A real logger writing into an array, so tests can assert what was logged. */
export function captureLogs(nowMs: () => number = () => 0): {
  logger: Logger;
  records: LogRecord[];
} {
  const records: LogRecord[] = [];
  const logger = createLogger({
    replicaId: 'r1',
    clock: { nowMs },
    sink: (line) => records.push(JSON.parse(line) as LogRecord),
  });
  return { logger, records };
}
