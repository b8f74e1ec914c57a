import { describe, expect, it } from 'vitest';
import { interTokenMs, ttftMs, type LatencyConfig } from '../../../origin/sim/latency';

const steady: LatencyConfig = { ttftMs: 30, interTokenMs: 15, batchSlowdown: 0 };
const slowing: LatencyConfig = { ttftMs: 30, interTokenMs: 15, batchSlowdown: 0.1 };

describe('latency model', () => {
  it.each([
    { config: steady, running: 1, ttft: 30, itl: 15 },
    { config: steady, running: 64, ttft: 30, itl: 15 },
    { config: slowing, running: 1, ttft: 30, itl: 15 },
    { config: slowing, running: 2, ttft: 33, itl: 16.5 },
    { config: slowing, running: 11, ttft: 60, itl: 30 },
    { config: slowing, running: 0, ttft: 30, itl: 15 },
  ])(
    'gives ttft $ttft ms and inter-token $itl ms with $running running (slowdown $config.batchSlowdown)',
    ({ config, running, ttft, itl }) => {
      const batch = { running, waiting: 3 };
      expect(ttftMs(config, { promptTokens: 100, batch })).toBeCloseTo(ttft);
      expect(interTokenMs(config, batch)).toBeCloseTo(itl);
    },
  );

  it('does not yet charge for prompt length (prefill is a later extension)', () => {
    const batch = { running: 1, waiting: 0 };
    expect(ttftMs(steady, { promptTokens: 10, batch })).toBe(
      ttftMs(steady, { promptTokens: 10_000, batch }),
    );
  });
});
