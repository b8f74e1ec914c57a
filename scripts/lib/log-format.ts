import { displayValue as text } from './table';

/**
 * Turns one log line of a stack process into one readable terminal line. Sidecars and simulators
 * log JSON objects; wrangler logs text. Blank lines and wrangler's banner rules are dropped.
 */
const hidden = new Set(['ts', 'level', 'msg', 'source', 'stream', 'replicaId']);
const decoration = /^[\s─]*$/;
/** wrangler logs every request; two heartbeats a second would drown everything else. */
const heartbeatRequest = /POST \/internal\/pool\/heartbeat 204/;

function parseRecord(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function formatRecord(record: Record<string, unknown>, source: string): string {
  const level =
    record.level === undefined || record.level === 'info'
      ? ''
      : `${text(record.level).toUpperCase()} `;
  const fields = Object.entries(record)
    .filter(([key, value]) => !hidden.has(key) && value !== undefined && typeof value !== 'object')
    .map(([key, value]) => `${key}=${text(value)}`)
    .join(' ');
  return `${level}${source}${text(record.msg ?? '')}${fields ? `  ${fields}` : ''}`;
}

export function formatLine(name: string, line: string): string | undefined {
  const trimmed = line.trimEnd();
  if (decoration.test(trimmed) || heartbeatRequest.test(trimmed)) return undefined;
  const label = `[${name}]`.padEnd(12);
  const record = parseRecord(trimmed);
  if (record === undefined) return `${label} ${trimmed}`;
  if (record.source !== 'engine') return `${label} ${formatRecord(record, '')}`;
  // A sidecar relays each engine line as `msg`; the simulator's lines are JSON themselves.
  const inner = typeof record.msg === 'string' ? parseRecord(record.msg) : undefined;
  return `${label} ${formatRecord(inner ?? record, 'engine: ')}`;
}
