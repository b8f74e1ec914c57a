import { describe, expect, it } from 'vitest';
import { heartbeatSchema, type Heartbeat } from '../../../contracts/heartbeat';
import { createHeartbeatReporter } from '../../../origin/sidecar/heartbeat-reporter';
import type { EngineLoad } from '../../../origin/sidecar/load-tracker';
import type { ReplicaStatus } from '../../../origin/sidecar/state-machine';

function setup(status: ReplicaStatus, queued: number) {
  const sent: Heartbeat[] = [];
  const loads: EngineLoad[] = [];
  let scrapes = 0;
  const beat = createHeartbeatReporter({
    identity: {
      replicaId: 'gpu-1',
      publicUrl: 'http://127.0.0.1:9001',
      models: ['m'],
      version: '1',
    },
    getStatus: () => status,
    scrape: () => {
      scrapes += 1;
      return Promise.resolve({
        running: 3,
        waiting: 2,
        kvCacheUsage: 0.4,
        generationTokensTotal: 10,
      });
    },
    sender: { send: (heartbeat) => (sent.push(heartbeat), Promise.resolve(true)) },
    clock: { nowMs: () => 1_000 },
    queued: () => queued,
    onLoad: (load) => loads.push(load),
  });
  return { beat, sent, loads, scrapes: () => scrapes };
}

describe('createHeartbeatReporter', () => {
  it('reports the engine load plus the requests queued in the sidecar as waiting', async () => {
    const { beat, sent, loads } = setup({ state: 'ready', sinceMs: 0 }, 4);
    await beat();
    expect(sent[0]).toMatchObject({ state: 'ready', running: 3, waiting: 6, kvCacheUsage: 0.4 });
    expect(heartbeatSchema.safeParse(sent[0]).success).toBe(true);
    expect(loads).toEqual([expect.objectContaining({ running: 3, waiting: 2 })]);
  });

  it.each<ReplicaStatus['state']>(['starting', 'sleeping', 'failed', 'stopped'])(
    'does not scrape an engine that is %s',
    async (state) => {
      const { beat, sent, scrapes } = setup({ state, sinceMs: 0 }, 0);
      await beat();
      expect(scrapes()).toBe(0);
      expect(sent[0]?.state).toBe(state);
    },
  );
});
