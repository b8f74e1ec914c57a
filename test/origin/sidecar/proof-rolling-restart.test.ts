import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  freePort,
  launchSidecar,
  processTestSecret,
  signedPost,
  startFakeEdge,
  stopSidecars,
  type FakeEdge,
} from './support/sidecar-process';
import { readStream, simSidecarArgs, withSimulator } from './support/sim-sidecar';

afterEach(stopSidecars);

interface Replica {
  id: string;
  port: number;
  enginePort: number;
}

/**
 * The part of the edge this proof needs: route to a replica whose latest heartbeat says ready, and
 * retry elsewhere what never started (connection refused or reset, 503, 429), as RELIABILITY R2
 * allows. A request counts as lost if it got a non-retryable answer or a broken stream.
 */
function edgeRouter(edge: FakeEdge, replicas: readonly Replica[]) {
  let next = 0;
  const stats = { completed: 0, lost: [] as string[], retried: 0 };
  const ready = (): Replica[] =>
    replicas.filter(
      (r) => edge.heartbeats.findLast((h) => h.replicaId === r.id)?.state === 'ready',
    );

  const send = async (requestId: string): Promise<void> => {
    for (let attempt = 0; attempt < 200; attempt++) {
      const candidates = ready();
      const replica = candidates[next++ % Math.max(1, candidates.length)];
      if (replica === undefined) {
        await sleep(20);
        continue;
      }
      const response = await signedPost(
        `http://127.0.0.1:${replica.port}`,
        requestId,
        '/v1/completions',
        {
          model: 'small',
          prompt: 'Count slowly.',
          max_tokens: 30,
          ignore_eos: true,
          stream: true,
        },
      ).catch(() => undefined);
      if (response === undefined || response.status === 503 || response.status === 429) {
        await response?.text();
        stats.retried += 1;
        continue;
      }
      const body = await readStream(response);
      if (response.status === 200 && !body.broken && body.text.endsWith('data: [DONE]\n\n')) {
        stats.completed += 1;
      } else {
        stats.lost.push(
          `${requestId}: ${response.status} ${body.broken ? 'broken' : body.text.slice(-80)}`,
        );
      }
      return;
    }
    stats.lost.push(`${requestId}: no replica ready`);
  };
  return { send, stats };
}

describe('proof: drain', () => {
  it('loses no request while every replica is restarted in turn under steady load', async () => {
    const edge = await startFakeEdge(processTestSecret);
    const replicas: Replica[] = [];
    for (const id of ['roll-1', 'roll-2']) {
      replicas.push({ id, port: await freePort(), enginePort: await freePort() });
    }
    // 20 ms per token at the 10× speedup: every request is in flight for about 0.6 s.
    const args = simSidecarArgs(
      '--engine-arg=--sim-inter-token-ms=200',
      '--drain-timeout-ms',
      '10000',
    );
    const launch = (replica: Replica) =>
      launchSidecar(args, { ...replica, replicaId: replica.id, edge, ...withSimulator });
    const running = await Promise.all(replicas.map(launch));
    await Promise.all(running.map((r) => r.waitForLatest('ready')));

    const router = edgeRouter(edge, replicas);
    let stop = false;
    const clients = Array.from({ length: 4 }, async (_, client) => {
      for (let n = 0; !stop; n++) await router.send(`c${client}-${n}`);
    });

    await sleep(500);
    const drainedInFlight: number[] = [];
    for (const [index, replica] of replicas.entries()) {
      const old = running[index];
      old?.sidecar.child.kill('SIGTERM');
      expect(await old?.sidecar.exited).toEqual({ code: 0, signal: null });
      drainedInFlight.push(
        Number(old?.sidecar.lines().find((l) => l.msg === 'draining')?.inFlight),
      );
      const fresh = await launch(replica);
      await fresh.waitForLatest('ready');
      await sleep(300);
    }
    stop = true;
    await Promise.all(clients);
    await edge.close();

    expect(router.stats.lost).toEqual([]);
    expect(router.stats.completed).toBeGreaterThan(10);
    // The drains were real: each replica had requests in flight when SIGTERM came, and they finished.
    expect(drainedInFlight.every((count) => count > 0)).toBe(true);
  }, 60_000);
});
