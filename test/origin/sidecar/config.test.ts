import { describe, expect, it } from 'vitest';
import { parseSidecarConfig, type SidecarConfig } from '../../../origin/sidecar/config';

const secret = 'a-long-enough-pool-secret';
const env = { POOL_SECRET: secret };
const required = [
  '--replica-id',
  'r1',
  '--port',
  '9001',
  '--edge-url',
  'http://127.0.0.1:8787/',
  '--model',
  'org/m',
];

function configOf(argv: string[], environment: Record<string, string> = env): SidecarConfig {
  const result = parseSidecarConfig(argv, environment);
  if (result.kind !== 'config') throw new Error(`expected a config, got ${JSON.stringify(result)}`);
  return result.config;
}

describe('parseSidecarConfig', () => {
  it('applies defaults and derives the public url, served name and vllm start-up deadline', () => {
    expect(configOf(required)).toEqual({
      replicaId: 'r1',
      host: '127.0.0.1',
      port: 9001,
      publicUrl: 'http://127.0.0.1:9001',
      edgeUrl: 'http://127.0.0.1:8787',
      secret,
      engine: 'vllm',
      model: 'org/m',
      servedModelName: 'org/m',
      enginePort: 8000,
      enableSleepMode: false,
      engineArgs: [],
      startupTimeoutMs: 600_000,
      engineStopTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
      watchdogIntervalMs: 1_000,
      watchdogStallMs: 5_000,
      canaryIntervalMs: 5_000,
      canaryTimeoutMs: 5_000,
      restartBaseDelayMs: 1_000,
      restartMaxDelayMs: 30_000,
      maxRestarts: 5,
      restartStableAfterMs: 60_000,
      sleepAfterIdleMs: 0,
      maxConcurrentRequests: 512,
      maxQueuedRequests: 64,
      queueTimeoutMs: 5_000,
      drainTimeoutMs: 30_000,
    });
  });

  it.each<[string, string[], Record<string, string>, Partial<SidecarConfig>]>([
    [
      'a shorter deadline for the simulator',
      ['--engine', 'vllm-sim'],
      {},
      { engine: 'vllm-sim', startupTimeoutMs: 60_000 },
    ],
    [
      'an explicit start-up deadline',
      ['--engine', 'vllm-sim', '--startup-timeout-ms', '5000'],
      {},
      { startupTimeoutMs: 5_000 },
    ],
    [
      'the public url as given',
      ['--public-url', 'https://r1.example.com/'],
      {},
      { publicUrl: 'https://r1.example.com' },
    ],
    [
      'engine limits',
      ['--max-model-len', '4096', '--max-num-seqs', '8', '--engine-port', '8100'],
      {},
      { maxModelLen: 4096, maxNumSeqs: 8, enginePort: 8100 },
    ],
    [
      'repeated engine args in order',
      ['--engine-arg=--sim-startup-delay-ms=50', '--engine-arg', 'x'],
      {},
      { engineArgs: ['--sim-startup-delay-ms=50', 'x'] },
    ],
    ['an env fallback', [], { SIDECAR_HEARTBEAT_INTERVAL_MS: '250' }, { heartbeatIntervalMs: 250 }],
    [
      'engine args from env, split on spaces',
      [],
      { SIDECAR_ENGINE_ARGS: '--a 1  --b' },
      { engineArgs: ['--a', '1', '--b'] },
    ],
    [
      'a flag over its env fallback',
      ['--drain-timeout-ms', '7'],
      { SIDECAR_DRAIN_TIMEOUT_MS: '9' },
      { drainTimeoutMs: 7 },
    ],
    ['a served model name', ['--served-model-name', 'small'], {}, { servedModelName: 'small' }],
    ['a pinned model revision', ['--model-revision', 'a1b2c3d'], {}, { modelRevision: 'a1b2c3d' }],
    [
      'the vLLM engine options',
      [
        '--gpu-memory-utilization',
        '0.85',
        '--tensor-parallel-size',
        '2',
        '--no-enable-prefix-caching',
        '--enable-sleep-mode',
        '--engine-shutdown-timeout-seconds',
        '20',
      ],
      {},
      {
        gpuMemoryUtilization: 0.85,
        tensorParallelSize: 2,
        enablePrefixCaching: false,
        enableSleepMode: true,
        engineShutdownTimeoutSeconds: 20,
      },
    ],
    [
      'boolean flags from the environment',
      [],
      { SIDECAR_ENABLE_SLEEP_MODE: '1', SIDECAR_ENABLE_PREFIX_CACHING: 'true' },
      { enableSleepMode: true, enablePrefixCaching: true },
    ],
    [
      'admission limits, concurrency derived from the batch size',
      ['--max-num-seqs', '16', '--max-queued-requests', '0'],
      {},
      { maxConcurrentRequests: 32, maxQueuedRequests: 0 },
    ],
    [
      'watchdog, restart and idle-sleep timings',
      [
        '--watchdog-stall-ms=2000',
        '--canary-interval-ms=3000',
        '--max-restarts=0',
        '--sleep-after-idle-ms=600000',
      ],
      {},
      {
        watchdogStallMs: 2_000,
        canaryIntervalMs: 3_000,
        maxRestarts: 0,
        sleepAfterIdleMs: 600_000,
      },
    ],
    [
      'a warm-up file',
      ['--warmup-file', '/etc/sy/warmup.json'],
      {},
      { warmupFile: '/etc/sy/warmup.json' },
    ],
  ])('accepts %s', (_name, extra, extraEnv, expected) => {
    expect(configOf([...required, ...extra], { ...env, ...extraEnv })).toMatchObject(expected);
  });

  it('reads every flag from the environment when no flag is given', () => {
    const config = configOf([], {
      ...env,
      SIDECAR_REPLICA_ID: 'r2',
      SIDECAR_PORT: '9002',
      SIDECAR_EDGE_URL: 'http://edge:8787',
      SIDECAR_MODEL: 'm',
    });
    expect(config).toMatchObject({ replicaId: 'r2', port: 9002, edgeUrl: 'http://edge:8787' });
  });

  it.each<[string, string[], Record<string, string>, string]>([
    ['a missing secret', required, {}, 'POOL_SECRET'],
    [
      'a short secret',
      required,
      { POOL_SECRET: 'short' },
      'POOL_SECRET: must be at least 16 characters',
    ],
    ['a missing port', required.filter((a) => a !== '--port' && a !== '9001'), env, '--port'],
    ['a non-numeric port', [...required, '--port', 'http'], env, '--port: must be a whole number'],
    ['a port out of range', [...required, '--port', '70000'], env, '--port'],
    ['an unknown engine', [...required, '--engine', 'tgi'], env, '--engine'],
    ['an edge url that is not http', [...required, '--edge-url', 'ftp://edge'], env, '--edge-url'],
    [
      'a replica id the edge would reject',
      [...required, '--replica-id', 'a b'],
      env,
      '--replica-id',
    ],
    [
      'the engine on the sidecar port',
      [...required, '--engine-port', '9001'],
      env,
      '--engine-port: must differ from --port',
    ],
    ['an unknown flag', [...required, '--secret', 'x'], env, "Unknown option '--secret'"],
    ['an ambiguous engine arg', [...required, '--engine-arg', '--sim-x'], env, 'ambiguous'],
    [
      'a GPU memory fraction above 1',
      [...required, '--gpu-memory-utilization', '1.5'],
      env,
      '--gpu-memory-utilization: must be a number from 0 to 1',
    ],
    [
      'a boolean flag with a value',
      [...required, '--enable-sleep-mode=yes'],
      env,
      "Option '--enable-sleep-mode' does not take an argument",
    ],
    [
      'a boolean env value that is not one',
      required,
      { ...env, SIDECAR_ENABLE_SLEEP_MODE: 'maybe' },
      '--enable-sleep-mode',
    ],
  ])('rejects %s', (_name, argv, environment, message) => {
    const result = parseSidecarConfig(argv, environment);
    expect(result.kind).toBe('error');
    if (result.kind === 'error') expect(result.message).toContain(message);
  });

  it('never puts the secret into an error message', () => {
    const result = parseSidecarConfig(['--port', 'x'], env);
    expect(JSON.stringify(result)).not.toContain(secret);
  });

  it('prints help listing every flag with its env name', () => {
    const result = parseSidecarConfig(['--help'], {});
    expect(result.kind).toBe('help');
    if (result.kind === 'help') expect(result.text).toMatch(/--engine-arg.*SIDECAR_ENGINE_ARGS/);
  });
});
