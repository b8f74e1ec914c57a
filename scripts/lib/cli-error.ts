/**
 * Turns a failure into the one line a CLI prints. `d1Execute` already reduces SQL errors to one
 * line; what can still arrive is wrangler failing before any SQL ran (no login for --remote, an
 * unknown --env), as the whole command line (long SQL), `exited N`, then wrangler's output. The
 * useful part is its `[ERROR]` line, else its last line.
 */
export function oneLineError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const exited = / exited (\S+)\n/.exec(message);
  if (exited === null) return message.split('\n')[0] ?? message;

  const lines = message
    .slice(exited.index + exited[0].length)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const errorLine = lines.find((line) => line.includes('[ERROR]'));
  if (errorLine !== undefined) return errorLine.replace(/^.*\[ERROR\]\s*/, '');
  const last = lines.at(-1);
  return `wrangler exited ${exited[1]}${last === undefined ? '' : `: ${last}`}`;
}
