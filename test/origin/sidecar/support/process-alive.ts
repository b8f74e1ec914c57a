import { readFileSync } from 'node:fs';

/**
 * Whether a process still runs. A killed process whose parent is gone stays a zombie until
 * init reaps it, and in containers PID 1 may never do so; a zombie holds no memory or GPU, so it
 * counts as gone.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name, is the state letter.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
