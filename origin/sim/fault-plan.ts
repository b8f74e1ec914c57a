/**
 * Fault injection for one generation request, written as a comma-separated spec in the
 * `x-sim-fault` request header or, for every request, in `--sim-fault`:
 *
 *   crash             the engine process dies on receiving the request
 *   hang              accept the request, hold a batch slot, never answer
 *   delay-ms=N        N ms more before the first token (slow prefill)
 *   error=S           answer with HTTP status S (400–599) in vLLM's error envelope
 *   stall-after=N     stream N tokens, then stop forever, slot held (a hang mid-stream)
 *   sse-error-after=N stream N tokens, then one in-band `data: {"error":…}` event, no [DONE]
 *   cut-after=N       stream N tokens, then drop the connection
 *   garbage-after=N   stream N tokens, then bytes that are neither UTF-8 nor SSE, then close
 *
 * Only one of the `-after` endings may be given. Non-streaming requests: `sse-error-after` answers
 * 500 after N tokens, `garbage-after` a 200 with a garbage body, `cut-after` drops the connection.
 */
export type StreamEnding = 'stall' | 'sse-error' | 'cut' | 'garbage';

export interface FaultPlan {
  crash?: true;
  hang?: true;
  delayMs?: number;
  errorStatus?: number;
  ending?: { how: StreamEnding; afterTokens: number };
}

export const faultHeader = 'x-sim-fault';

export type FaultParse = { ok: true; plan: FaultPlan } | { ok: false; message: string };

type Apply = (plan: FaultPlan, value: number) => FaultPlan | string;

const ending =
  (how: StreamEnding): Apply =>
  (plan, afterTokens) =>
    plan.ending
      ? 'only one of the -after endings may be given'
      : { ...plan, ending: { how, afterTokens } };

/** Every fault item: whether it takes a value, its range, and how it changes the plan. */
const items: Readonly<Record<string, { range?: [number, number]; apply: Apply }>> = {
  crash: { apply: (plan) => ({ ...plan, crash: true }) },
  hang: { apply: (plan) => ({ ...plan, hang: true }) },
  'delay-ms': { range: [0, 3_600_000], apply: (plan, delayMs) => ({ ...plan, delayMs }) },
  error: { range: [400, 599], apply: (plan, errorStatus) => ({ ...plan, errorStatus }) },
  'stall-after': { range: [0, 1_000_000], apply: ending('stall') },
  'sse-error-after': { range: [0, 1_000_000], apply: ending('sse-error') },
  'cut-after': { range: [0, 1_000_000], apply: ending('cut') },
  'garbage-after': { range: [0, 1_000_000], apply: ending('garbage') },
};

/** Parses a fault spec. Pure; an unknown item or a bad value is an error, never ignored. */
export function parseFaultPlan(spec: string): FaultParse {
  let plan: FaultPlan = {};
  for (const raw of spec.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const [name = '', text] = item.split('=', 2);
    const known = items[name];
    if (known === undefined) return { ok: false, message: `unknown fault '${name}'` };
    let value = 0;
    if (known.range === undefined) {
      if (text !== undefined) return { ok: false, message: `fault '${name}' takes no value` };
    } else {
      value = Number(text);
      const [min, max] = known.range;
      if (text === undefined || !Number.isInteger(value) || value < min || value > max) {
        return { ok: false, message: `fault '${name}' needs a whole number from ${min} to ${max}` };
      }
    }
    const next = known.apply(plan, value);
    if (typeof next === 'string') return { ok: false, message: next };
    plan = next;
  }
  return { ok: true, plan };
}
