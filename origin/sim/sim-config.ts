import * as z from 'zod';
import { parseFaultPlan, type FaultPlan } from './fault-plan';
import { latencyProfileNames } from './latency';

const nonNegativeInt = z.number().int().nonnegative();

/** `--sim-fault`: parsed at start-up, so a typo fails the command line, not every request. */
const faultSpec = z.string().transform((spec, ctx): FaultPlan => {
  const parsed = parseFaultPlan(spec);
  if (parsed.ok) return parsed.plan;
  ctx.addIssue({ code: 'custom', message: parsed.message });
  return z.NEVER;
});

/**
 * Everything the simulator process is told on its command line, validated. Field names carry
 * their units; the command-line spelling of each one is in cli.ts.
 */
export const simConfigSchema = z
  .object({
    /** The model path or name, `vllm serve <model>`; `root` in `/v1/models`. */
    model: z.string().min(1),
    host: z.string().min(1),
    /** 0 asks the OS for a free port; the "listening" log line says which one it got. */
    port: z.number().int().min(0).max(65535),
    /** Names clients may send as `model`; the first is the `model_name` label on metrics. */
    servedModelNames: z.array(z.string().min(1)).min(1),
    /** `--revision`: which weights vLLM downloads; the simulator has none and only logs it. */
    revision: z.string().min(1).optional(),
    maxModelLen: z.number().int().positive(),
    maxNumSeqs: z.number().int().positive(),
    gpuMemoryUtilization: z.number().gt(0).max(1),
    enablePrefixCaching: z.boolean(),
    /** Tokens per KV-cache block (`--block-size`). */
    blockSize: z.number().int().min(1).max(1024),
    /** KV-cache size in blocks; by default enough for every sequence at full context. */
    numGpuBlocksOverride: z.number().int().positive().optional(),
    shutdownTimeoutSeconds: z.number().nonnegative(),
    tensorParallelSize: z.number().int().positive(),
    enableSleepMode: z.boolean(),
    simStartupDelayMs: nonNegativeInt,
    /** Exit with this code when the start-up delay is over instead of listening. */
    simStartupExitCode: z.number().int().min(1).max(255).optional(),
    simProfile: z.enum(latencyProfileNames),
    simSpeedup: z.number().positive(),
    /** Overrides of the profile; absent means "the profile's value". */
    simTtftMs: z.number().nonnegative().optional(),
    simPrefillMsPerToken: z.number().nonnegative().optional(),
    simInterTokenMs: z.number().nonnegative().optional(),
    simBatchSlowdown: z.number().nonnegative().optional(),
    /** Requests that may wait for a slot; more get 429. Unbounded (as in vLLM) when absent. */
    simMaxWaiting: nonNegativeInt.optional(),
    simWakeDelayMs: nonNegativeInt,
    simCrashAfterRequests: nonNegativeInt.optional(),
    simHangAfterRequests: nonNegativeInt.optional(),
    simFault: faultSpec.optional(),
    simSeed: z.number().int(),
    simEmbeddingDim: z.number().int().min(1).max(8192),
  })
  .refine(
    (c) => kvCacheBlocks(c) * c.blockSize >= c.maxModelLen,
    // vLLM refuses to start the same way: one full-length sequence must fit.
    {
      path: ['numGpuBlocksOverride'],
      message: 'the KV cache cannot hold one max-model-len sequence',
    },
  );

export type SimConfig = z.output<typeof simConfigSchema>;

/** KV-cache size in blocks: the override, else room for `max-num-seqs` full-length sequences. */
export function kvCacheBlocks(config: {
  numGpuBlocksOverride?: number | undefined;
  maxModelLen: number;
  maxNumSeqs: number;
  blockSize: number;
}): number {
  return (
    config.numGpuBlocksOverride ??
    Math.ceil((config.maxModelLen * config.maxNumSeqs) / config.blockSize)
  );
}

/**
 * Defaults where no flag is given. vLLM's own defaults where it has one that does not depend on
 * the model or the GPU (host, port, max-num-seqs, gpu-memory-utilization, block size 16, prefix
 * caching on as in vLLM V1); a fixed 8192-token context stands in for "whatever the model config
 * says"; latency follows the 8B-on-H100 reference profile at real speed.
 */
export const defaultSimConfig = {
  host: '0.0.0.0',
  port: 8000,
  maxModelLen: 8192,
  maxNumSeqs: 256,
  gpuMemoryUtilization: 0.9,
  enablePrefixCaching: true,
  blockSize: 16,
  shutdownTimeoutSeconds: 0,
  tensorParallelSize: 1,
  enableSleepMode: false,
  simStartupDelayMs: 0,
  simProfile: 'h100-8b',
  simSpeedup: 1,
  simWakeDelayMs: 0,
  simSeed: 0,
  simEmbeddingDim: 384,
} as const satisfies Partial<SimConfig>;
