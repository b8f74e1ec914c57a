import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Launch option: no fake `vllm` on PATH, the sidecar runs the real simulator. */
export const withSimulator = { withFakeVllm: false } as const;

/**
 * Flags for a sidecar that supervises the real simulator, ten times faster than an H100 running
 * an 8B model: the latency model keeps its shape, tests stay short.
 */
export function simSidecarArgs(...extra: string[]): string[] {
  return [
    '--engine',
    'vllm-sim',
    '--max-num-seqs',
    '8',
    '--engine-arg=--sim-speedup=10',
    '--restart-base-delay-ms',
    '100',
    ...extra,
  ];
}

/** A warm-up file in a fresh temporary directory. */
export function writeWarmupFile(prompts: object[]): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'warmup-')), 'warmup.json');
  writeFileSync(file, JSON.stringify({ prompts }));
  return file;
}

/** Reads a whole streamed body, or what arrived before it broke. */
export async function readStream(response: Response): Promise<{ text: string; broken: boolean }> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      text += decoder.decode(part.value, { stream: true });
    }
    return { text, broken: false };
  } catch {
    return { text, broken: true };
  }
}
