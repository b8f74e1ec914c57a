import { describe, expect, it } from 'vitest';
import type { ReplicaState } from '../../../contracts/heartbeat';
import { createFakeEngine } from './support/fake-engine';
import { edgeHeaders, sidecarHarness, testNowMs } from './support/sidecar-harness';

function setup() {
  const engine = createFakeEngine();
  return {
    engine,
    ...sidecarHarness({
      baseUrl: 'http://engine.test',
      fetch: (url, init) => Promise.resolve(engine.app.request(url, init)),
    }),
  };
}

const signedWake = async () => ({
  method: 'POST',
  headers: await edgeHeaders('POST', '/wake', 'w-1'),
});

describe('POST /wake', () => {
  it.each<[ReplicaState, number, ReplicaState]>([
    ['sleeping', 202, 'waking'],
    ['waking', 202, 'waking'],
    ['starting', 202, 'starting'],
    ['ready', 200, 'ready'],
    ['draining', 409, 'draining'],
    ['failed', 409, 'failed'],
  ])('in %s answers %i with state %s', async (state, status, after) => {
    const { app, setStatus, wakes } = setup();
    setStatus({ state, sinceMs: testNowMs - 1_000 });
    const response = await app.request('/wake', await signedWake());
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ state: after });
    expect(wakes).toHaveLength(1);
  });

  it('refuses a wake that the edge did not sign, without waking anything', async () => {
    const { app, setStatus, wakes } = setup();
    setStatus({ state: 'sleeping', sinceMs: testNowMs });
    const response = await app.request('/wake', { method: 'POST' });
    expect(response.status).toBe(401);
    expect(wakes).toEqual([]);
  });
});

describe('GET /metrics', () => {
  it('exposes the sidecar’s own metrics in Prometheus format with the engine gauges', async () => {
    const { app, metrics } = setup();
    metrics.setState('ready');
    metrics.recordRestart();
    metrics.recordStartup({ startupSeconds: 42, warmupSeconds: 0.5 });
    metrics.recordCanary(0.03, true);
    const response = await app.request('/metrics');
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    for (const line of [
      'switchyard_sidecar_state{state="ready"} 1',
      'switchyard_sidecar_state{state="sleeping"} 0',
      'switchyard_sidecar_restarts_total 1',
      'switchyard_sidecar_startup_seconds 42',
      'switchyard_sidecar_warmup_seconds 0.5',
      'switchyard_sidecar_canary_latency_seconds_count{outcome="ok"} 1',
      'switchyard_sidecar_in_flight_requests 0',
      'switchyard_sidecar_queued_requests 0',
      'switchyard_sidecar_engine_requests_running 2',
      'switchyard_sidecar_engine_kv_cache_usage_ratio 0.5',
      'switchyard_sidecar_engine_generation_tokens_per_second 40',
    ]) {
      expect(text).toContain(line);
    }
  });

  it('counts /v1 responses by status, the refused ones included', async () => {
    const { app, setStatus } = setup();
    const post = async (id: string) =>
      app.request('/v1/completions', {
        method: 'POST',
        headers: {
          ...(await edgeHeaders('POST', '/v1/completions', id)),
          'content-type': 'application/json',
        },
        body: JSON.stringify({ model: 'small', prompt: 'hi' }),
      });
    await (await post('a')).text();
    await (await post('b')).text();
    await (await app.request('/v1/completions', { method: 'POST' })).text();
    setStatus({ state: 'warming', sinceMs: testNowMs });
    await (await post('c')).text();
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain('switchyard_sidecar_proxied_requests_total{status="200"} 2');
    expect(text).toContain('switchyard_sidecar_proxied_requests_total{status="401"} 1');
    expect(text).toContain('switchyard_sidecar_proxied_requests_total{status="503"} 1');
  });
});
