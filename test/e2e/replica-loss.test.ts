import { afterAll, beforeAll, expect, it } from 'vitest';
import { e2ePorts } from './stack-config';
import { FaultLab, type SimHandle } from './support/fault-lab';

/**
 * H1 under load: 300 requests, 6 at a time, over three simulator processes; one is killed
 * (SIGKILL, its heartbeat left running as if its sidecar had not noticed yet) after 80 requests
 * and started again after 180. Failover before the first byte (R2) means no client sees an error;
 * the dead replica gets only the attempts that eject it plus half-open probes, and it takes
 * traffic again once it is back.
 */

const base = e2ePorts.edge + 150;
const ejectAfterFailures = 3;
const lab = new FaultLab({
  basePort: base,
  vars: {
    CONNECT_TIMEOUT_MS: '1000',
    RESPONSE_TIMEOUT_MS: '5000',
    EJECT_AFTER_FAILURES: String(ejectAfterFailures),
    EJECTION_BASE_MS: '1000',
    EJECTION_MAX_MS: '2000',
  },
});
const model = 'loss';
const sims: SimHandle[] = [];
const replicaPort = (n: number) => base + 1 + n;

beforeAll(async () => {
  await lab.start();
  for (const n of [0, 1, 2]) {
    sims.push(await lab.startSim({ replicaId: `r${n}`, port: replicaPort(n), models: [model] }));
    await lab.register({ replicaId: `r${n}`, url: sims[n]!.url, models: [model] });
  }
  await new Promise((resolve) => setTimeout(resolve, 1_200));
}, 120_000);

afterAll(() => lab.stop(), 30_000);

interface Outcome {
  index: number;
  status: number;
  requestId: string;
  replica: string | null;
}

it('loses no request when a replica dies mid-run, routes around it, and takes it back', async () => {
  const total = 300;
  const concurrency = 6;
  const outcomes: Outcome[] = [];
  let next = 0;
  let killedAt = 0;
  let restartedAt = 0;
  let lifecycle: Promise<void> = Promise.resolve();

  const one = async (index: number) => {
    const response = await fetch(`${lab.edgeUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${lab.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model,
        max_tokens: 8,
        messages: [{ role: 'user', content: `conversation ${index}` }],
      }),
    });
    await response.text();
    outcomes.push({
      index,
      status: response.status,
      requestId: response.headers.get('x-request-id') ?? '',
      replica: response.headers.get('x-switchyard-replica'),
    });
  };
  const worker = async () => {
    while (next < total) {
      const index = next++;
      if (index === 80) {
        killedAt = Date.now();
        lifecycle = sims[1]!.stop(true);
      }
      if (index === 180) {
        await lifecycle;
        restartedAt = Date.now();
        lifecycle = lab
          .startSim({ replicaId: 'r1', port: replicaPort(1), models: [model] })
          .then((sim) => {
            sims[1] = sim;
          });
      }
      await one(index);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await lifecycle;
  // A few more after the run, so the half-open probe has had its chance to re-admit r1.
  for (let i = 0; i < 40 && !outcomes.some((o) => o.index >= total && o.replica === 'r1'); i++) {
    await one(total + i);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  // No client error: every attempt that met the dead replica failed over (R2).
  expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);

  const db = await lab.db();
  const attemptsAtDead = await db
    .prepare(
      'SELECT count(*) AS n FROM usage_attempts WHERE replica_id = ? AND started_at_ms >= ? AND started_at_ms < ?',
    )
    .bind('r1', killedAt, restartedAt)
    .first<{ n: number }>();
  const deadForMs = restartedAt - killedAt;
  // k attempts eject it; after that only one half-open probe per ejection period (≥ 1 s here).
  const probes = Math.ceil(deadForMs / 1000) + 1;
  expect(attemptsAtDead?.n ?? 0).toBeGreaterThanOrEqual(1);
  expect(attemptsAtDead?.n ?? 0).toBeLessThanOrEqual(ejectAfterFailures + probes);
  // While dead it served nothing; once back it serves again (re-admitted).
  const servedWhileDead = outcomes.filter(
    (o) => o.replica === 'r1' && o.index > 90 && o.index < 180,
  );
  expect(servedWhileDead).toEqual([]);
  expect(outcomes.some((o) => o.index > 180 && o.replica === 'r1')).toBe(true);
}, 120_000);
