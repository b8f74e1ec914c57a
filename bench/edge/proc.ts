import { readFileSync } from 'node:fs';
import { round } from './stats';

/** Process readings from /proc (Linux), for the memory benchmark. */

export interface Rss {
  /** Everything resident, the goal's measure. */
  totalMb: number;
  /** Anonymous pages: the process's own memory, without the Node binary's file pages. */
  anonMb: number;
}

export function rss(pid: number | undefined): Rss | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]);
    const totalMb = kb('VmRSS') / 1024;
    const anonMb = kb('RssAnon') / 1024;
    return Number.isFinite(totalMb) && Number.isFinite(anonMb) ? { totalMb, anonMb } : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU time of a process, ms (from /proc/<pid>/stat, clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** The simulator: the descendant of the sidecar whose command line runs origin/sim. */
export function findSimulator(sidecarPid: number): number | undefined {
  const queue = children(sidecarPid);
  while (queue.length > 0) {
    const pid = queue.shift()!;
    const cmdline = (() => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    })();
    if (cmdline.includes('sim') && children(pid).length === 0) return pid;
    queue.push(...children(pid));
  }
  return undefined;
}

/** The larger of two readings; a missing one (NaN) never wins. */
const higher = (a: number, b: number) =>
  Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b);

export const maxRss = (a: Rss, b: Rss | undefined): Rss =>
  b === undefined
    ? a
    : { totalMb: higher(a.totalMb, b.totalMb), anonMb: higher(a.anonMb, b.anonMb) };

export const nothing: Rss = { totalMb: Number.NaN, anonMb: Number.NaN };

export const roundRss = (value: Rss) => ({
  totalMb: round(value.totalMb, 1),
  anonMb: round(value.anonMb, 1),
});
