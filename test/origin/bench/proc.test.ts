import { describe, expect, it } from 'vitest';
import { cpuMs, maxRss, nothing, roundRss, rss, type Rss } from '../../../bench/edge/proc';

const at = (totalMb: number, anonMb: number): Rss => ({ totalMb, anonMb });

describe('memory bench readings', () => {
  it.each([
    ['a higher reading wins field by field', at(80, 30), at(70, 40), at(80, 40)],
    ['a failed sample (undefined) keeps the peak', at(80, 30), undefined, at(80, 30)],
    ['the first real reading replaces nothing', nothing, at(70, 40), at(70, 40)],
    ['a NaN reading never wins', at(80, 30), at(Number.NaN, 50), at(80, 50)],
  ] as const)('%s', (_name, peak, reading, expected) => {
    expect(maxRss(peak, reading)).toEqual(expected);
  });

  it('rounds both fields to 0.1 MB', () => {
    expect(roundRss(at(80.04, 30.06))).toEqual(at(80, 30.1));
  });

  it('reads this process: resident memory above its anonymous part, CPU time counted', () => {
    const own = rss(process.pid);
    expect(own).toBeDefined();
    expect(own!.totalMb).toBeGreaterThan(own!.anonMb);
    expect(own!.anonMb).toBeGreaterThan(0);
    expect(cpuMs(process.pid)).toBeGreaterThan(0);
  });

  it('says nothing for a process that does not exist', () => {
    expect(rss(undefined)).toBeUndefined();
    expect(rss(2 ** 30)).toBeUndefined();
    expect(cpuMs(2 ** 30)).toBeNaN();
  });
});
