import { describe, expect, it } from 'vitest';
import { selfTime, type CpuProfile } from '../../../bench/edge/profile-table';

const frame = (functionName: string, url = '', lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
});

describe('selfTime', () => {
  it('sums the deltas of every sample per function and position, largest first', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)') },
        { id: 2, callFrame: frame('toHex', 'file:///tmp/x/index.js', 9) },
        // The same function reached by another path: a second node, one row.
        { id: 3, callFrame: frame('toHex', 'file:///tmp/x/index.js', 9) },
        { id: 4, callFrame: frame('', 'file:///tmp/x/index.js', 41) },
        { id: 5, callFrame: frame('(idle)') },
      ],
      samples: [2, 3, 4, 5, 2],
      timeDeltas: [10, 20, 5, 40, 30],
    };
    expect(selfTime(profile)).toEqual([
      { function: 'toHex index.js:10', selfUs: 60, share: 60 / 105 },
      { function: '(idle)', selfUs: 40, share: 40 / 105 },
      { function: '(anonymous) index.js:42', selfUs: 5, share: 5 / 105 },
    ]);
  });

  it('returns nothing for an empty profile', () => {
    expect(selfTime({ nodes: [], samples: [], timeDeltas: [] })).toEqual([]);
  });
});
