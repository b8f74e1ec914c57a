import { engineSaid, signedStream, sidecarSaid, startSidecar } from './origin-process';

export type HangScenario = 'under load' | 'idle';

export interface HangSample {
  scenario: HangScenario;
  /** Engine hung → replica failed, as the two processes logged it. */
  detectionMs: number;
  /** Why the watchdog said so. */
  reason: string;
}

/**
 * One hang with the watchdog's default settings (scrape every 1 s, stall window 5 s, canary after
 * 5 s without a token, 5 s canary timeout). The simulator's engine hangs at its second request
 * (`--sim-hang-after-requests=1`; the first is the warm-up canary): under load that is a client
 * stream, which stops mid-generation; idle, it is the watchdog's own first canary.
 */
export async function measureHang(bundleDir: string, scenario: HangScenario): Promise<HangSample> {
  const sidecar = await startSidecar(bundleDir, ['--engine-arg=--sim-hang-after-requests=1']);
  const client = new AbortController();
  try {
    await sidecar.waitFor(sidecarSaid('replica ready'), 30_000);
    if (scenario === 'under load') {
      const response = await signedStream(sidecar.url, 'bench-victim', client.signal);
      void response.body?.pipeTo(new WritableStream()).catch(() => undefined);
    }
    const failed = await sidecar.waitFor(sidecarSaid('replica failed'), 30_000);
    const hung = await sidecar.waitFor(engineSaid('engine hung (fault injection)'), 1_000);
    return {
      scenario,
      detectionMs: failed.tsMs - (hung.engine?.tsMs ?? hung.tsMs),
      reason: String(failed.fields.detail),
    };
  } finally {
    client.abort();
    await sidecar.stop();
  }
}
