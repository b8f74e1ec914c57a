import { parseArgs } from 'node:util';
import { z } from 'zod';
import { heartbeatSchema } from '../../contracts/heartbeat';

export const engineKinds = ['vllm', 'vllm-sim'] as const;
export type EngineKind = (typeof engineKinds)[number];

/**
 * Loading real weights takes minutes (download, CUDA graph capture); the simulator's start-up delay
 * is whatever a test asks for, so a short default surfaces a hung simulator quickly.
 */
const defaultStartupTimeoutMs: Record<EngineKind, number> = { vllm: 600_000, 'vllm-sim': 60_000 };

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
const portNumber = wholeNumber(1, 65_535);
const durationMs = wholeNumber(1, 86_400_000);
const httpUrl = z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, ''));

const sidecarConfigSchema = z
  .object({
    replicaId: heartbeatSchema.shape.replicaId,
    host: z.string().min(1).default('127.0.0.1'),
    port: portNumber,
    publicUrl: httpUrl.optional(),
    edgeUrl: httpUrl,
    secret: z.string().min(16, 'must be at least 16 characters'),
    engine: z.enum(engineKinds).default('vllm'),
    model: z.string().min(1),
    servedModelName: z.string().min(1).max(256).optional(),
    enginePort: portNumber.default(8000),
    maxModelLen: wholeNumber(1, 10_000_000).optional(),
    maxNumSeqs: wholeNumber(1, 100_000).optional(),
    engineArgs: z.array(z.string()).default([]),
    startupTimeoutMs: durationMs.optional(),
    drainTimeoutMs: durationMs.default(30_000),
    engineStopTimeoutMs: durationMs.default(10_000),
    heartbeatIntervalMs: durationMs.default(1_000),
  })
  .refine((c) => c.port !== c.enginePort, {
    path: ['enginePort'],
    message: 'must differ from --port',
  })
  .transform((c) => ({
    ...c,
    publicUrl: c.publicUrl ?? `http://${c.host}:${c.port}`,
    servedModelName: c.servedModelName ?? c.model,
    startupTimeoutMs: c.startupTimeoutMs ?? defaultStartupTimeoutMs[c.engine],
  }));

/** The sidecar's validated configuration. `secret` is the pool secret and must never be logged. */
export type SidecarConfig = z.output<typeof sidecarConfigSchema>;
type ConfigKey = keyof z.input<typeof sidecarConfigSchema>;

interface FlagSpec {
  key: ConfigKey;
  env: string;
  help: string;
}

/** CLI flags, their environment fallbacks and help text: the flag parser and `--help` read this. */
const flags: Readonly<Record<string, FlagSpec>> = {
  'replica-id': { key: 'replicaId', env: 'SIDECAR_REPLICA_ID', help: 'unique replica id' },
  host: { key: 'host', env: 'SIDECAR_HOST', help: 'listen address (127.0.0.1)' },
  port: { key: 'port', env: 'SIDECAR_PORT', help: 'listen port' },
  'public-url': { key: 'publicUrl', env: 'SIDECAR_PUBLIC_URL', help: 'URL the edge calls' },
  'edge-url': { key: 'edgeUrl', env: 'SIDECAR_EDGE_URL', help: 'edge base URL for heartbeats' },
  engine: { key: 'engine', env: 'SIDECAR_ENGINE', help: 'vllm | vllm-sim (vllm)' },
  model: { key: 'model', env: 'SIDECAR_MODEL', help: 'model to serve' },
  'served-model-name': {
    key: 'servedModelName',
    env: 'SIDECAR_SERVED_MODEL_NAME',
    help: 'name clients use (the model)',
  },
  'engine-port': { key: 'enginePort', env: 'SIDECAR_ENGINE_PORT', help: 'engine port (8000)' },
  'max-model-len': { key: 'maxModelLen', env: 'SIDECAR_MAX_MODEL_LEN', help: 'context length' },
  'max-num-seqs': { key: 'maxNumSeqs', env: 'SIDECAR_MAX_NUM_SEQS', help: 'max batch size' },
  'engine-arg': {
    key: 'engineArgs',
    env: 'SIDECAR_ENGINE_ARGS',
    help: 'extra engine argument, repeatable; write --engine-arg=--flag=value',
  },
  'startup-timeout-ms': {
    key: 'startupTimeoutMs',
    env: 'SIDECAR_STARTUP_TIMEOUT_MS',
    help: 'deadline to ready (vllm 600000, vllm-sim 60000)',
  },
  'drain-timeout-ms': {
    key: 'drainTimeoutMs',
    env: 'SIDECAR_DRAIN_TIMEOUT_MS',
    help: 'wait for in-flight requests on shutdown (30000)',
  },
  'engine-stop-timeout-ms': {
    key: 'engineStopTimeoutMs',
    env: 'SIDECAR_ENGINE_STOP_TIMEOUT_MS',
    help: 'SIGTERM to SIGKILL grace for the engine (10000)',
  },
  'heartbeat-interval-ms': {
    key: 'heartbeatIntervalMs',
    env: 'SIDECAR_HEARTBEAT_INTERVAL_MS',
    help: 'heartbeat period (1000)',
  },
};

/** The pool secret comes only from the environment: flags show up in `ps` and shell history. */
export const secretEnvName = 'POOL_SECRET';

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
          Object.keys(flags).map((flag) => [
            flag,
            { type: 'string' as const, multiple: flag === 'engine-arg' },
          ]),
        ),
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help === true) return { kind: 'help', text: usageText() };

  const raw: Partial<Record<ConfigKey, string | string[]>> = { secret: env[secretEnvName] };
  for (const [flag, spec] of Object.entries(flags)) {
    const fromCli = values[flag];
    const fromEnv = env[spec.env];
    if (spec.key === 'engineArgs') {
      const cliArgs = Array.isArray(fromCli) ? fromCli.map(String) : [];
      raw.engineArgs = cliArgs.length > 0 ? cliArgs : (fromEnv?.split(/\s+/).filter(Boolean) ?? []);
    } else {
      raw[spec.key] = typeof fromCli === 'string' ? fromCli : fromEnv;
    }
  }

  const parsed = sidecarConfigSchema.safeParse(raw);
  if (parsed.success) return { kind: 'config', config: parsed.data };
  return { kind: 'error', message: parsed.error.issues.map(describeIssue).join('; ') };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path[0];
  if (key === 'secret') return `${secretEnvName}: ${issue.message}`;
  const flag = Object.entries(flags).find(([, spec]) => spec.key === key)?.[0];
  return `${flag === undefined ? String(key) : `--${flag}`}: ${issue.message}`;
}

function usageText(): string {
  const lines = Object.entries(flags).map(
    ([flag, spec]) => `  --${flag.padEnd(24)} ${spec.help} [env ${spec.env}]`,
  );
  return ['Usage: sidecar [flags]   (the pool secret comes from env POOL_SECRET)', ...lines].join(
    '\n',
  );
}
