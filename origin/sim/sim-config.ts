import { z } from 'zod';

/**
 * Everything the simulator process is told on its command line, validated. Field names carry
 * their units; the command-line spelling of each one is in cli.ts.
 */
export const simConfigSchema = z.object({
  /** The model path or name, `vllm serve <model>`; `root` in `/v1/models`. */
  model: z.string().min(1),
  host: z.string().min(1),
  /** 0 asks the OS for a free port; the "listening" log line says which one it got. */
  port: z.number().int().min(0).max(65535),
  /** Names clients may send as `model`; the first is the `model_name` label on metrics. */
  servedModelNames: z.array(z.string().min(1)).min(1),
  maxModelLen: z.number().int().positive(),
  maxNumSeqs: z.number().int().positive(),
  gpuMemoryUtilization: z.number().gt(0).max(1),
  enablePrefixCaching: z.boolean(),
  shutdownTimeoutSeconds: z.number().nonnegative(),
  tensorParallelSize: z.number().int().positive(),
  enableSleepMode: z.boolean(),
  simStartupDelayMs: z.number().int().nonnegative(),
  simTtftMs: z.number().nonnegative(),
  simInterTokenMs: z.number().nonnegative(),
  simBatchSlowdown: z.number().nonnegative(),
  simSeed: z.number().int(),
  simEmbeddingDim: z.number().int().min(1).max(8192),
});

export type SimConfig = z.infer<typeof simConfigSchema>;

/**
 * Defaults where no flag is given. vLLM's own defaults where it has one that does not depend on
 * the model or the GPU (host, port, max-num-seqs, gpu-memory-utilization, prefix caching on as in
 * vLLM V1); a fixed 8192-token context stands in for "whatever the model config says".
 */
export const defaultSimConfig = {
  host: '0.0.0.0',
  port: 8000,
  maxModelLen: 8192,
  maxNumSeqs: 256,
  gpuMemoryUtilization: 0.9,
  enablePrefixCaching: true,
  shutdownTimeoutSeconds: 0,
  tensorParallelSize: 1,
  enableSleepMode: false,
  simStartupDelayMs: 0,
  simTtftMs: 30,
  simInterTokenMs: 15,
  simBatchSlowdown: 0,
  simSeed: 0,
  simEmbeddingDim: 384,
} as const satisfies Omit<SimConfig, 'model' | 'servedModelNames'>;
