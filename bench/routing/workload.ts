import { createSeededRng, hash32, type Rng } from '../../origin/sim/seeded-random';
import { wordList } from '../../origin/sim/word-list';

/**
 * The routing benchmark's workloads, generated up front from a seed so every policy replays the
 * very same requests at the very same times (open loop: a request's send time never depends on
 * how fast an earlier one was answered). Pure.
 *
 * - `chat`: tenants (apps) each with a long system prompt; conversations of a tenant start at
 *   random (Poisson) and grow turn by turn: each turn resends the whole history plus a new user
 *   message, after a think time. Tenants differ in popularity (Zipf).
 * - `short`: unique short single-message prompts, nothing shared: placement cannot buy cache hits,
 *   only balance.
 */

/** A type alias, not an interface: it must fit the simulator's open (indexed) message schema. */
export type ChatMessage = {
  role: 'system' | 'user' | 'assistant';
  content: string;
};

export interface ScheduledRequest {
  /** Send time, ms after the start of the run. */
  atMs: number;
  tenant: number;
  /** `cache_salt` as the edge sends it: one per tenant. */
  cacheSalt: string;
  conversation: number;
  turn: number;
  messages: ChatMessage[];
  /** Tokens to generate (`max_tokens` with `ignore_eos`): the assistant's reply length. */
  answerTokens: number;
}

type Range = readonly [min: number, max: number];

export interface ChatWorkloadSpec {
  kind: 'chat';
  seed: number;
  /** Requests are sent in [0, durationMs). */
  durationMs: number;
  /** Mean requests per second over the whole pool, once conversations are under way. */
  ratePerSecond: number;
  tenants: number;
  /** Popularity of tenant k (1-based) ∝ k^-zipf. */
  zipf: number;
  systemTokens: Range;
  turns: Range;
  userTokens: Range;
  answerTokens: Range;
  thinkMs: Range;
}

export interface ShortWorkloadSpec {
  kind: 'short';
  seed: number;
  durationMs: number;
  ratePerSecond: number;
  userTokens: Range;
  answerTokens: Range;
}

export type WorkloadSpec = ChatWorkloadSpec | ShortWorkloadSpec;

const between = (rng: Rng, [min, max]: Range) => min + Math.floor(rng.next() * (max - min + 1));
const uniform = (rng: Rng, [min, max]: Range) => min + rng.next() * (max - min);
/** Exponential inter-arrival time: a Poisson process of `ratePerMs`. */
const exponential = (rng: Rng, ratePerMs: number) => -Math.log(1 - rng.next()) / ratePerMs;

/**
 * About `tokens` tokens of English-looking text under the simulator's tokenizer: every word of
 * the list and every full stop is one token.
 */
export function prose(rng: Rng, tokens: number): string {
  let out = '';
  let sinceStop = 0;
  for (let t = 0; t < tokens; t++) {
    if (sinceStop >= 6 && rng.next() < 0.12) {
      out += '.';
      sinceStop = 0;
      continue;
    }
    const word = wordList[Math.floor(rng.next() * wordList.length)] ?? 'the';
    out += out === '' ? word : ` ${word}`;
    sinceStop++;
  }
  return out;
}

/** A stand-in for the edge's per-tenant salt (core/cache-salt.ts hashes the tenant id). */
const saltOf = (seed: number, tenant: number) =>
  hash32(`tenant-${tenant}`, seed).toString(16).padStart(8, '0');

function zipfPicker(rng: Rng, n: number, s: number): () => number {
  const weights = Array.from({ length: n }, (_, k) => (k + 1) ** -s);
  const total = weights.reduce((a, b) => a + b, 0);
  return () => {
    let u = rng.next() * total;
    for (let k = 0; k < n; k++) {
      u -= weights[k] ?? 0;
      if (u < 0) return k;
    }
    return n - 1;
  };
}

function chatWorkload(spec: ChatWorkloadSpec): ScheduledRequest[] {
  const rng = createSeededRng(spec.seed);
  const systemPrompts = Array.from({ length: spec.tenants }, (_, tenant) => {
    const tokens = between(rng, spec.systemTokens);
    return `You are the assistant of tenant ${tenant}. ${prose(rng, tokens)}`;
  });
  const pickTenant = zipfPicker(rng, spec.tenants, spec.zipf);
  const meanTurns = (spec.turns[0] + spec.turns[1]) / 2;
  const startsPerMs = spec.ratePerSecond / meanTurns / 1000;
  // Conversations already under way at time 0 start before it, so the rate is steady from the
  // first second instead of ramping up over one conversation's length.
  const longestMs = spec.turns[1] * spec.thinkMs[1];
  const requests: ScheduledRequest[] = [];
  let conversation = 0;
  for (let startMs = -longestMs; startMs < spec.durationMs;) {
    startMs += exponential(rng, startsPerMs);
    const tenant = pickTenant();
    const turns = between(rng, spec.turns);
    const messages: ChatMessage[] = [{ role: 'system', content: systemPrompts[tenant] ?? '' }];
    let atMs = startMs;
    for (let turn = 0; turn < turns; turn++) {
      messages.push({ role: 'user', content: prose(rng, between(rng, spec.userTokens)) });
      const answerTokens = between(rng, spec.answerTokens);
      if (atMs >= 0 && atMs < spec.durationMs) {
        requests.push({
          atMs,
          tenant,
          cacheSalt: saltOf(spec.seed, tenant),
          conversation,
          turn,
          messages: [...messages],
          answerTokens,
        });
      }
      // The reply the client would send back next turn; the simulator's own words differ, but
      // its length is the same (`ignore_eos`), so the engine's work matches the history.
      messages.push({ role: 'assistant', content: prose(rng, answerTokens) });
      atMs += uniform(rng, spec.thinkMs);
    }
    conversation++;
  }
  return requests.sort((a, b) => a.atMs - b.atMs);
}

function shortWorkload(spec: ShortWorkloadSpec): ScheduledRequest[] {
  const rng = createSeededRng(spec.seed);
  const requests: ScheduledRequest[] = [];
  const perMs = spec.ratePerSecond / 1000;
  for (let atMs = exponential(rng, perMs), i = 0; atMs < spec.durationMs; i++) {
    requests.push({
      atMs,
      tenant: 0,
      cacheSalt: saltOf(spec.seed, 0),
      conversation: i,
      turn: 0,
      messages: [{ role: 'user', content: prose(rng, between(rng, spec.userTokens)) }],
      answerTokens: between(rng, spec.answerTokens),
    });
    atMs += exponential(rng, perMs);
  }
  return requests;
}

export function generateWorkload(spec: WorkloadSpec): ScheduledRequest[] {
  return spec.kind === 'chat' ? chatWorkload(spec) : shortWorkload(spec);
}
