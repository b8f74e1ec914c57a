import * as z from 'zod';

/**
 * Lifecycle of one origin replica (DESIGN.md §3). Only `ready` takes traffic.
 * starting → warming → ready → draining → stopped; ready ⇄ sleeping via waking; any → failed.
 */
export const replicaStates = [
  'starting',
  'warming',
  'ready',
  'draining',
  'stopped',
  'sleeping',
  'waking',
  'failed',
] as const;
export type ReplicaState = (typeof replicaStates)[number];

/** What a sidecar tells the edge every second (`POST /internal/pool/heartbeat`). */
export const heartbeatSchema = z.object({
  replicaId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  /** Base URL the edge forwards to (through the tunnel in production). */
  url: z.url({ protocol: /^https?$/ }),
  models: z.array(z.string().min(1).max(256)).max(32),
  state: z.enum(replicaStates),
  running: z.number().int().nonnegative(),
  waiting: z.number().int().nonnegative(),
  /** Fraction of the engine's KV cache in use, 0..1. */
  kvCacheUsage: z.number().min(0).max(1),
  tokensPerSecond: z.number().nonnegative(),
  version: z.string().max(64),
  /**
   * The exact weights served (a Hugging Face commit or tag), pinned in the replica's configuration
   * and passed to `vllm serve --revision`. Shown in /v1/models and recorded on every usage row, so a
   * model can never change silently. Absent when the operator did not pin one.
   */
  modelRevision: z.string().min(1).max(128).optional(),
  /** Human-readable reason for the state (warm-up progress, failure cause). */
  detail: z.string().max(512).optional(),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

export const heartbeatPath = '/internal/pool/heartbeat';
