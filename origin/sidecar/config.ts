import { parseArgs } from 'node:util';
import type * as z from 'zod';
import { sidecarConfigSchema, type ConfigKey, type SidecarConfig } from './config-schema';

export { engineKinds, type EngineKind, type SidecarConfig } from './config-schema';

interface FlagSpec {
  key: ConfigKey;
  env: string;
  help: string;
  /** `list` repeats (`--engine-arg`), `boolean` takes no value and has a `--no-` form. */
  kind?: 'list' | 'boolean';
}

const flag = (key: ConfigKey, env: string, help: string, kind?: FlagSpec['kind']): FlagSpec =>
  kind === undefined ? { key, env, help } : { key, env, help, kind };

/** CLI flags, their environment fallbacks and help text: the flag parser and `--help` read this. */
const flags: Readonly<Record<string, FlagSpec>> = {
  'replica-id': flag('replicaId', 'SIDECAR_REPLICA_ID', 'unique replica id'),
  host: flag('host', 'SIDECAR_HOST', 'listen address (127.0.0.1)'),
  port: flag('port', 'SIDECAR_PORT', 'listen port'),
  'public-url': flag('publicUrl', 'SIDECAR_PUBLIC_URL', 'URL the edge calls'),
  'edge-url': flag('edgeUrl', 'SIDECAR_EDGE_URL', 'edge base URL for heartbeats'),
  'heartbeat-interval-ms': flag(
    'heartbeatIntervalMs',
    'SIDECAR_HEARTBEAT_INTERVAL_MS',
    'heartbeat period (1000)',
  ),
  engine: flag('engine', 'SIDECAR_ENGINE', 'vllm | vllm-sim (vllm)'),
  model: flag('model', 'SIDECAR_MODEL', 'model to serve'),
  'served-model-name': flag(
    'servedModelName',
    'SIDECAR_SERVED_MODEL_NAME',
    'name clients use (the model)',
  ),
  'model-revision': flag(
    'modelRevision',
    'SIDECAR_MODEL_REVISION',
    'pinned model revision (commit or tag), reported to the edge',
  ),
  'engine-port': flag('enginePort', 'SIDECAR_ENGINE_PORT', 'engine port, loopback only (8000)'),
  'max-model-len': flag('maxModelLen', 'SIDECAR_MAX_MODEL_LEN', 'context length'),
  'max-num-seqs': flag('maxNumSeqs', 'SIDECAR_MAX_NUM_SEQS', 'max batch size'),
  'gpu-memory-utilization': flag(
    'gpuMemoryUtilization',
    'SIDECAR_GPU_MEMORY_UTILIZATION',
    'fraction of GPU memory for vLLM',
  ),
  'enable-prefix-caching': flag(
    'enablePrefixCaching',
    'SIDECAR_ENABLE_PREFIX_CACHING',
    'prefix caching (engine default)',
    'boolean',
  ),
  'tensor-parallel-size': flag(
    'tensorParallelSize',
    'SIDECAR_TENSOR_PARALLEL_SIZE',
    'GPUs per replica',
  ),
  'enable-sleep-mode': flag(
    'enableSleepMode',
    'SIDECAR_ENABLE_SLEEP_MODE',
    'vLLM sleep mode for idle sleep (off: stop/start)',
    'boolean',
  ),
  'engine-shutdown-timeout-seconds': flag(
    'engineShutdownTimeoutSeconds',
    'SIDECAR_ENGINE_SHUTDOWN_TIMEOUT_SECONDS',
    "vLLM's --shutdown-timeout",
  ),
  'engine-arg': flag(
    'engineArgs',
    'SIDECAR_ENGINE_ARGS',
    'extra engine argument, repeatable; write --engine-arg=--flag=value',
    'list',
  ),
  'startup-timeout-ms': flag(
    'startupTimeoutMs',
    'SIDECAR_STARTUP_TIMEOUT_MS',
    'deadline to ready (vllm 600000, vllm-sim 60000)',
  ),
  'engine-stop-timeout-ms': flag(
    'engineStopTimeoutMs',
    'SIDECAR_ENGINE_STOP_TIMEOUT_MS',
    'SIGKILL this long after SIGTERM, beyond the shutdown timeout (10000)',
  ),
  'warmup-file': flag(
    'warmupFile',
    'SIDECAR_WARMUP_FILE',
    'JSON warm-up prompts run after the canary',
  ),
  'watchdog-interval-ms': flag(
    'watchdogIntervalMs',
    'SIDECAR_WATCHDOG_INTERVAL_MS',
    'watchdog /metrics period (1000)',
  ),
  'watchdog-stall-ms': flag(
    'watchdogStallMs',
    'SIDECAR_WATCHDOG_STALL_MS',
    'running with no new token this long = hung (5000)',
  ),
  'canary-interval-ms': flag(
    'canaryIntervalMs',
    'SIDECAR_CANARY_INTERVAL_MS',
    'canary after this long without a token (5000)',
  ),
  'canary-timeout-ms': flag(
    'canaryTimeoutMs',
    'SIDECAR_CANARY_TIMEOUT_MS',
    'hard timeout of one canary (5000)',
  ),
  'restart-base-delay-ms': flag(
    'restartBaseDelayMs',
    'SIDECAR_RESTART_BASE_DELAY_MS',
    'first restart backoff, doubling (1000)',
  ),
  'restart-max-delay-ms': flag(
    'restartMaxDelayMs',
    'SIDECAR_RESTART_MAX_DELAY_MS',
    'longest restart backoff (30000)',
  ),
  'max-restarts': flag(
    'maxRestarts',
    'SIDECAR_MAX_RESTARTS',
    'restarts in a row before staying failed (5)',
  ),
  'restart-stable-after-ms': flag(
    'restartStableAfterMs',
    'SIDECAR_RESTART_STABLE_AFTER_MS',
    'ready this long resets the count (60000)',
  ),
  'sleep-after-idle-ms': flag(
    'sleepAfterIdleMs',
    'SIDECAR_SLEEP_AFTER_IDLE_MS',
    'sleep after this long without requests (0: never)',
  ),
  'max-concurrent-requests': flag(
    'maxConcurrentRequests',
    'SIDECAR_MAX_CONCURRENT_REQUESTS',
    'proxied at once (2 × max-num-seqs, or 512)',
  ),
  'max-queued-requests': flag(
    'maxQueuedRequests',
    'SIDECAR_MAX_QUEUED_REQUESTS',
    'waiting for admission; more get 429 (64)',
  ),
  'queue-timeout-ms': flag(
    'queueTimeoutMs',
    'SIDECAR_QUEUE_TIMEOUT_MS',
    'longest wait for admission, then 429 (5000)',
  ),
  'drain-timeout-ms': flag(
    'drainTimeoutMs',
    'SIDECAR_DRAIN_TIMEOUT_MS',
    'wait for in-flight requests on shutdown (30000)',
  ),
};

/** The pool secret comes only from the environment: flags show up in `ps` and shell history. */
export const secretEnvName = 'POOL_SECRET';

/** Every environment variable the sidecar reads (deploy files are checked against this). */
export function sidecarEnvNames(): string[] {
  return [secretEnvName, ...Object.values(flags).map((spec) => spec.env)];
}

export type ConfigResult =
  | { kind: 'config'; config: SidecarConfig }
  | { kind: 'help'; text: string }
  | { kind: 'error'; message: string };

/** Parses CLI arguments (without node and script) with environment fallbacks. Pure. */
export function parseSidecarConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ConfigResult {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        ...Object.fromEntries(
          Object.entries(flags).map(([name, spec]) => [
            name,
            spec.kind === 'boolean'
              ? { type: 'boolean' as const }
              : { type: 'string' as const, multiple: spec.kind === 'list' },
          ]),
        ),
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
      allowNegative: true,
    }).values;
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help === true) return { kind: 'help', text: usageText() };

  const raw: Partial<Record<ConfigKey, string | string[] | boolean>> = {
    secret: env[secretEnvName],
  };
  for (const [name, spec] of Object.entries(flags)) {
    const fromCli = values[name];
    const fromEnv = env[spec.env];
    if (spec.kind === 'list') {
      const cliArgs = Array.isArray(fromCli) ? fromCli.map(String) : [];
      raw[spec.key] = cliArgs.length > 0 ? cliArgs : (fromEnv?.split(/\s+/).filter(Boolean) ?? []);
    } else {
      raw[spec.key] =
        typeof fromCli === 'string' || typeof fromCli === 'boolean' ? fromCli : fromEnv;
    }
  }

  const parsed = sidecarConfigSchema.safeParse(raw);
  if (parsed.success) return { kind: 'config', config: parsed.data };
  return { kind: 'error', message: parsed.error.issues.map(describeIssue).join('; ') };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path[0];
  if (key === 'secret') return `${secretEnvName}: ${issue.message}`;
  const name = Object.entries(flags).find(([, spec]) => spec.key === key)?.[0];
  return `${name === undefined ? String(key) : `--${name}`}: ${issue.message}`;
}

function usageText(): string {
  const lines = Object.entries(flags).map(
    ([name, spec]) => `  --${name.padEnd(32)} ${spec.help} [env ${spec.env}]`,
  );
  return ['Usage: sidecar [flags]   (the pool secret comes from env POOL_SECRET)', ...lines].join(
    '\n',
  );
}
