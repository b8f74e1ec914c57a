import { describe, expect, it } from 'vitest';
import {
  buildEngineCommand,
  type EngineCommand,
  type EngineCommandConfig,
} from '../../../origin/sidecar/engine-command';

const simulator = {
  nodePath: '/usr/bin/node',
  tsxImport: 'file:///tsx/loader.mjs',
  simEntryPath: '/repo/origin/sim/main.ts',
};
const base: EngineCommandConfig = {
  engine: 'vllm',
  model: 'Qwen/Qwen2.5-0.5B-Instruct',
  servedModelName: 'small',
  enginePort: 8100,
  engineArgs: [],
};
const serve = [
  'serve',
  'Qwen/Qwen2.5-0.5B-Instruct',
  '--host',
  '127.0.0.1',
  '--port',
  '8100',
  '--served-model-name',
  'small',
];

describe('buildEngineCommand', () => {
  it.each<[string, Partial<EngineCommandConfig>, EngineCommand]>([
    ['vllm serve on loopback', {}, { command: 'vllm', args: serve }],
    [
      'limits when configured',
      { maxModelLen: 4096, maxNumSeqs: 16 },
      { command: 'vllm', args: [...serve, '--max-model-len', '4096', '--max-num-seqs', '16'] },
    ],
    [
      'extra args last, untouched',
      { engineArgs: ['--gpu-memory-utilization', '0.85', '--enable-prefix-caching'] },
      {
        command: 'vllm',
        args: [...serve, '--gpu-memory-utilization', '0.85', '--enable-prefix-caching'],
      },
    ],
    [
      'the simulator under node with tsx and the same arguments',
      { engine: 'vllm-sim', maxNumSeqs: 4, engineArgs: ['--sim-startup-delay-ms=200'] },
      {
        command: '/usr/bin/node',
        args: [
          '--import',
          'file:///tsx/loader.mjs',
          '/repo/origin/sim/main.ts',
          ...serve,
          '--max-num-seqs',
          '4',
          '--sim-startup-delay-ms=200',
        ],
      },
    ],
  ])('builds %s', (_name, overrides, expected) => {
    expect(buildEngineCommand({ ...base, ...overrides }, simulator)).toEqual(expected);
  });
});
