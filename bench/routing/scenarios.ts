import type { WorkloadSpec } from './workload';

/**
 * The routing benchmark's fixed settings, with the reasons for each number. They are chosen from
 * the setting (hardware, traffic shape), never from the results.
 */

export const replicaCount = 4;
/** vLLM's default `--block-size`. */
export const blockSize = 16;
/**
 * KV cache per replica: 3,072 blocks × 16 = 49,152 tokens. An 8B model in bf16 (Llama-3.1-8B:
 * 32 layers × 8 KV heads × 128 dims × K and V × 2 bytes = 128 KiB per token) keeps about 48k
 * tokens of KV on a 24 GB card after its 16 GB of weights — what one L4/A10G-class replica has.
 * An 80 GB H100 holds about 8× more; the same experiment there needs 8× the tenants and a run long
 * enough to cycle through them, which this 2-core machine cannot afford. What decides placement is
 * the ratio, kept here: the chat workload's working set is about four caches' worth — one
 * replica's LRU cache catches a bit over half the prefix tokens, a cache the size of the whole
 * pool nearly all of them (the "fit" line of the table, computed with the simulator's own cache).
 */
export const kvBlocks = 3_072;

export interface Scenario {
  name: 'chat' | 'short';
  title: string;
  workload: WorkloadSpec;
  /** Requests scheduled before this are the cold start: sent, but not measured. */
  warmupMs: number;
}

/**
 * 16 requests/s: about 4 per replica per second, each holding its replica for ~1–2 s (prefill plus
 * 40–160 tokens at 12 ms), so ~6 requests in flight per replica. Prompts that miss the cache take
 * ~250 blocks each while they run: a replica that misses everything (round-robin's fate) holds
 * about half its cache in running sequences — busy, with the cache under pressure, but with no
 * queue unless a policy piles work on one replica.
 */
const ratePerSecond = 16;

export function scenarios(smoke: boolean): Scenario[] {
  if (smoke) {
    return [
      {
        name: 'chat',
        title: 'shared system prompts, growing conversations (smoke)',
        warmupMs: 500,
        workload: {
          kind: 'chat',
          seed: 42,
          durationMs: 1_000,
          ratePerSecond: 10,
          tenants: 3,
          zipf: 0.8,
          systemTokens: [100, 200],
          turns: [1, 3],
          userTokens: [10, 30],
          answerTokens: [4, 8],
          thinkMs: [300, 600],
        },
      },
      {
        name: 'short',
        title: 'unique short prompts (smoke)',
        warmupMs: 100,
        workload: {
          kind: 'short',
          seed: 7,
          durationMs: 500,
          ratePerSecond: 10,
          userTokens: [10, 30],
          answerTokens: [4, 8],
        },
      },
    ];
  }
  return [
    {
      name: 'chat',
      title: 'shared system prompts, growing conversations',
      warmupMs: 20_000,
      workload: {
        kind: 'chat',
        seed: 42,
        durationMs: 90_000,
        ratePerSecond,
        // Apps on a shared gateway: a few popular, a long tail (Zipf 0.8: the top one sends ~18%).
        tenants: 24,
        zipf: 0.8,
        // System prompts with instructions, persona and tool descriptions.
        systemTokens: [1_500, 4_500],
        turns: [2, 8],
        userTokens: [30, 250],
        answerTokens: [40, 160],
        // A person reads the answer and types the next message.
        thinkMs: [5_000, 15_000],
      },
    },
    {
      name: 'short',
      title: 'unique short prompts',
      warmupMs: 5_000,
      workload: {
        kind: 'short',
        seed: 7,
        durationMs: 30_000,
        ratePerSecond,
        userTokens: [20, 200],
        answerTokens: [40, 160],
      },
    },
  ];
}
