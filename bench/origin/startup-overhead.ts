import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { engineSaid, sidecarSaid, startSidecar } from './origin-process';

export interface StartupSample {
  /** Engine listening → replica ready, as the two processes logged it. */
  listeningToReadyMs: number;
  /** The warm-up generations themselves (canary and prompts), as the engine timed them. */
  generationMs: number;
  /** What the sidecar adds: the first minus the second. */
  overheadMs: number;
}

/** Warm-up prompts shaped like real system prompts: a few hundred tokens each. */
function warmupFile(count: number): string {
  const system = Array.from({ length: 60 }, (_, i) => `Rule ${i + 1}: be precise and brief.`).join(
    ' ',
  );
  const prompts = Array.from({ length: count }, (_, i) => ({
    messages: [
      { role: 'system', content: `${system} Team ${i}.` },
      { role: 'user', content: 'Hello' },
    ],
  }));
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'bench-warmup-')), 'warmup.json');
  writeFileSync(file, JSON.stringify({ prompts }));
  return file;
}

/**
 * One cold start of sidecar + simulator at real speed (8B-on-H100 profile): how long after the
 * engine starts listening the replica reports ready, minus the time the engine spent on the
 * warm-up generations. What is left is the sidecar's own cost: noticing the port, the health
 * check, request and response handling, state changes.
 */
export async function measureStartup(
  bundleDir: string,
  warmupPrompts: number,
): Promise<StartupSample> {
  const args = ['--engine-arg=--sim-startup-delay-ms=500'];
  if (warmupPrompts > 0) args.push(`--warmup-file=${warmupFile(warmupPrompts)}`);
  const sidecar = await startSidecar(bundleDir, args);
  try {
    const ready = await sidecar.waitFor(sidecarSaid('replica ready'), 30_000);
    const listening = await sidecar.waitFor(engineSaid('listening'), 1_000);
    const generations = sidecar.lines.filter(
      (line) =>
        line.engine?.msg === 'request finished' &&
        String(line.engine.fields.requestId).startsWith('sidecar-') &&
        line.tsMs <= ready.tsMs,
    );
    const generationMs = generations.reduce(
      (sum, line) => sum + Number(line.engine?.fields.durationMs),
      0,
    );
    const listeningToReadyMs = ready.tsMs - (listening.engine?.tsMs ?? listening.tsMs);
    return { listeningToReadyMs, generationMs, overheadMs: listeningToReadyMs - generationMs };
  } finally {
    await sidecar.stop();
  }
}
