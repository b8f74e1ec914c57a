import { describe, expect, it } from 'vitest';
import { parseFaultPlan, type FaultPlan } from '../../../origin/sim/fault-plan';

describe('parseFaultPlan', () => {
  it.each<[string, FaultPlan]>([
    ['', {}],
    ['crash', { crash: true }],
    ['hang', { hang: true }],
    ['delay-ms=250', { delayMs: 250 }],
    ['error=503', { errorStatus: 503 }],
    ['stall-after=3', { ending: { how: 'stall', afterTokens: 3 } }],
    ['sse-error-after=0', { ending: { how: 'sse-error', afterTokens: 0 } }],
    ['cut-after=5', { ending: { how: 'cut', afterTokens: 5 } }],
    ['garbage-after=2', { ending: { how: 'garbage', afterTokens: 2 } }],
    [' delay-ms=10 , cut-after=1 ', { delayMs: 10, ending: { how: 'cut', afterTokens: 1 } }],
  ])('reads %j', (spec, plan) => {
    expect(parseFaultPlan(spec)).toEqual({ ok: true, plan });
  });

  it.each([
    ['explode', "unknown fault 'explode'"],
    ['crash=1', "fault 'crash' takes no value"],
    ['error=200', "fault 'error' needs a whole number from 400 to 599"],
    ['cut-after', "fault 'cut-after' needs a whole number"],
    ['cut-after=1.5', "fault 'cut-after' needs a whole number"],
    ['delay-ms=-1', "fault 'delay-ms' needs a whole number"],
    ['cut-after=1,stall-after=2', 'only one of the -after endings may be given'],
  ])('rejects %j', (spec, message) => {
    const parsed = parseFaultPlan(spec);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(message);
  });
});
