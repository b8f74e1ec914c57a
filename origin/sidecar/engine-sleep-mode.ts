import { errorMessage } from './logger';
import type { HttpFetch } from './ports';
import type { ProbeResult } from './readiness';
import type { EngineSleepMode } from './supervisor';

export interface EngineSleepModeOptions {
  engineBaseUrl: string;
  fetch: HttpFetch;
}

/**
 * vLLM's sleep mode (`--enable-sleep-mode`, routes served with `VLLM_SERVER_DEV_MODE=1`). Level 1
 * offloads the weights to CPU memory and drops the KV cache, so waking takes seconds instead of a
 * full load; level 2 would drop the weights too and needs them reloaded, which only pays off for
 * switching models, so the sidecar always uses level 1.
 */
export function createEngineSleepMode(options: EngineSleepModeOptions): EngineSleepMode {
  const post = async (path: string, signal: AbortSignal): Promise<ProbeResult> => {
    try {
      const response = await options.fetch(`${options.engineBaseUrl}${path}`, {
        method: 'POST',
        signal,
      });
      await response.arrayBuffer();
      return response.ok
        ? { ok: true }
        : { ok: false, reason: `${path} answered ${response.status}` };
    } catch (error) {
      return { ok: false, reason: `${path}: ${errorMessage(error)}` };
    }
  };
  return {
    sleep: (signal) => post('/sleep?level=1', signal),
    wakeUp: (signal) => post('/wake_up', signal),
  };
}
