import { describe, expect, it } from 'vitest';
import {
  buildEngineCommand,
  engineKillGraceMs,
  type EngineCommand,
  type EngineCommandConfig,
} from '../../../origin/sidecar/engine-command';
import { parseSimArgs } from '../../../origin/sim/cli';

const simulator = {
  nodePath: '/usr/bin/node',
  nodeArgs: ['--import', 'file:///tsx/loader.mjs'],
  entryPath: '/repo/origin/sim/main.ts',
};
const base: EngineCommandConfig = {
  engine: 'vllm',
  model: 'Qwen/Qwen2.5-0.5B-Instruct',
  servedModelName: 'small',
  enginePort: 8100,
  enableSleepMode: false,
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
const vllm = (...args: string[]): EngineCommand => ({
  command: 'vllm',
  args: [...serve, ...args],
  env: {},
});

describe('buildEngineCommand', () => {
  it.each<[string, Partial<EngineCommandConfig>, EngineCommand]>([
    ['vllm serve on loopback', {}, vllm()],
    [
      'limits when configured',
      { maxModelLen: 4096, maxNumSeqs: 16 },
      vllm('--max-model-len', '4096', '--max-num-seqs', '16'),
    ],
    [
      'GPU memory, tensor parallelism, prefix caching and the shutdown timeout',
      {
        gpuMemoryUtilization: 0.85,
        tensorParallelSize: 4,
        enablePrefixCaching: true,
        engineShutdownTimeoutSeconds: 20,
      },
      vllm(
        '--gpu-memory-utilization',
        '0.85',
        '--tensor-parallel-size',
        '4',
        '--enable-prefix-caching',
        '--shutdown-timeout',
        '20',
      ),
    ],
    ['a pinned revision', { modelRevision: 'a1b2c3d' }, vllm('--revision', 'a1b2c3d')],
    [
      'prefix caching turned off explicitly',
      { enablePrefixCaching: false },
      vllm('--no-enable-prefix-caching'),
    ],
    [
      'sleep mode with the development-mode variable that serves /sleep and /wake_up',
      { enableSleepMode: true },
      { ...vllm('--enable-sleep-mode'), env: { VLLM_SERVER_DEV_MODE: '1' } },
    ],
    [
      'extra args last, untouched, so they can override anything',
      { maxNumSeqs: 8, engineArgs: ['--max-num-seqs', '32', '--kv-cache-dtype=fp8'] },
      vllm('--max-num-seqs', '8', '--max-num-seqs', '32', '--kv-cache-dtype=fp8'),
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
        env: {},
      },
    ],
  ])('builds %s', (_name, overrides, expected) => {
    expect(buildEngineCommand({ ...base, ...overrides }, simulator)).toEqual(expected);
  });

  it('runs a bundled simulator without a loader', () => {
    const bundled = { nodePath: '/usr/bin/node', nodeArgs: [], entryPath: '/opt/sy/vllm-sim.mjs' };
    const command = buildEngineCommand({ ...base, engine: 'vllm-sim' }, bundled);
    expect(command.args.slice(0, 2)).toEqual(['/opt/sy/vllm-sim.mjs', 'serve']);
  });
});

describe('engineKillGraceMs', () => {
  it.each([
    [undefined, 10_000, 10_000],
    [30, 10_000, 40_000],
    [0, 2_000, 2_000],
  ])('waits the shutdown timeout %s s plus %i ms before SIGKILL', (seconds, stopMs, expected) => {
    expect(
      engineKillGraceMs({ engineShutdownTimeoutSeconds: seconds, engineStopTimeoutMs: stopMs }),
    ).toBe(expected);
  });
});

describe('the command line the adapter emits', () => {
  it('is accepted whole by the simulator, so process tests run the real adapter', () => {
    const everything: EngineCommandConfig = {
      ...base,
      engine: 'vllm-sim',
      modelRevision: 'a1b2c3d',
      maxModelLen: 4096,
      maxNumSeqs: 16,
      gpuMemoryUtilization: 0.85,
      tensorParallelSize: 2,
      enablePrefixCaching: false,
      enableSleepMode: true,
      engineShutdownTimeoutSeconds: 20,
      engineArgs: ['--sim-speedup=10'],
    };
    const { args } = buildEngineCommand(everything, simulator);
    const serveArgs = args.slice(args.indexOf('serve'));
    expect(parseSimArgs(serveArgs)).toMatchObject({
      kind: 'serve',
      config: {
        maxModelLen: 4096,
        maxNumSeqs: 16,
        enablePrefixCaching: false,
        enableSleepMode: true,
        shutdownTimeoutSeconds: 20,
        simSpeedup: 10,
      },
    });
  });
});
