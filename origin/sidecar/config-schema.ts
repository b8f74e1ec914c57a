import * as z from 'zod';
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
const fraction = z
  .string()
  .trim()
  .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'must be a number from 0 to 1')
  .transform(Number)
  .pipe(z.number().gt(0, 'must be more than 0'));
/** A boolean flag given on the command line (`true`) or in the environment (`true`/`1`/…). */
const flag = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((value) => value === true || value === 'true' || value === '1' || value === 'yes');

export const sidecarConfigSchema = z
  .object({
    replicaId: heartbeatSchema.shape.replicaId,
    host: z.string().min(1).default('127.0.0.1'),
    port: portNumber,
    publicUrl: httpUrl.optional(),
    edgeUrl: httpUrl,
    secret: z.string().min(16, 'must be at least 16 characters'),
    heartbeatIntervalMs: durationMs.default(1_000),

    engine: z.enum(engineKinds).default('vllm'),
    model: z.string().min(1),
    servedModelName: z.string().min(1).max(256).optional(),
    /** The exact weights (a Hugging Face commit or tag): `vllm serve --revision`, in heartbeats. */
    modelRevision: heartbeatSchema.shape.modelRevision,
    enginePort: portNumber.default(8000),
    maxModelLen: wholeNumber(1, 10_000_000).optional(),
    maxNumSeqs: wholeNumber(1, 100_000).optional(),
    gpuMemoryUtilization: fraction.optional(),
    /** Absent: the engine's own default (on in vLLM V1). */
    enablePrefixCaching: flag.optional(),
    tensorParallelSize: wholeNumber(1, 64).optional(),
    enableSleepMode: flag.default(false),
    engineShutdownTimeoutSeconds: wholeNumber(0, 3_600).optional(),
    engineArgs: z.array(z.string()).default([]),
    startupTimeoutMs: durationMs.optional(),
    engineStopTimeoutMs: durationMs.default(10_000),
    warmupFile: z.string().min(1).optional(),

    watchdogIntervalMs: durationMs.default(1_000),
    watchdogStallMs: durationMs.default(5_000),
    canaryIntervalMs: durationMs.default(5_000),
    canaryTimeoutMs: durationMs.default(5_000),

    restartBaseDelayMs: durationMs.default(1_000),
    restartMaxDelayMs: durationMs.default(30_000),
    maxRestarts: wholeNumber(0, 1_000).default(5),
    restartStableAfterMs: durationMs.default(60_000),

    /** 0: never sleep. */
    sleepAfterIdleMs: wholeNumber(0, 86_400_000).default(0),

    maxConcurrentRequests: wholeNumber(1, 100_000).optional(),
    maxQueuedRequests: wholeNumber(0, 100_000).default(64),
    queueTimeoutMs: durationMs.default(5_000),
    drainTimeoutMs: durationMs.default(30_000),
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
    // Twice the engine's batch, so its own waiting queue keeps the batch full between steps.
    maxConcurrentRequests: c.maxConcurrentRequests ?? 2 * (c.maxNumSeqs ?? 256),
  }));

/** The sidecar's validated configuration. `secret` is the pool secret and must never be logged. */
export type SidecarConfig = z.output<typeof sidecarConfigSchema>;
export type ConfigKey = keyof z.input<typeof sidecarConfigSchema>;
