/**
 * Self time per function from a V8 CPU profile (the `Profiler.stop` result of the Chrome DevTools
 * protocol), summed over every node of the same function and source position, largest first.
 */

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTimeRow {
  /** `name file:line`; V8's own buckets such as `(idle)` and `(program)` keep their names. */
  function: string;
  selfUs: number;
  share: number;
}

export function selfTime(profile: CpuProfile): SelfTimeRow[] {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFunction = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((nodeId, index) => {
    // A sample's delta is the time since the previous sample: charged to this one's function.
    const us = profile.timeDeltas[index] ?? 0;
    const frame = frames.get(nodeId);
    const file = frame?.url.split('/').pop() ?? '';
    const name = frame?.functionName || '(anonymous)';
    const key = file === '' ? name : `${name} ${file}:${(frame?.lineNumber ?? 0) + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    total += us;
  });
  return [...byFunction]
    .map(([fn, selfUs]) => ({ function: fn, selfUs, share: total === 0 ? 0 : selfUs / total }))
    .sort((a, b) => b.selfUs - a.selfUs || (a.function < b.function ? -1 : 1));
}
