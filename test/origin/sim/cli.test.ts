import { describe, expect, it } from 'vitest';
import { parseSimArgs } from '../../../origin/sim/cli';
import { defaultSimConfig } from '../../../origin/sim/sim-config';

const serve = (...flags: string[]): string[] => ['serve', 'org/model', ...flags];

describe('parseSimArgs', () => {
  it('applies the defaults and serves the model under its own name', () => {
    expect(parseSimArgs(serve())).toEqual({
      kind: 'serve',
      config: { ...defaultSimConfig, model: 'org/model', servedModelNames: ['org/model'] },
      noEffectFlags: [],
    });
  });

  it.each([
    { argv: serve('--host', '127.0.0.1', '--port', '0'), expected: { host: '127.0.0.1', port: 0 } },
    { argv: serve('--port=9000'), expected: { port: 9000 } },
    { argv: serve('--served-model-name', 'small'), expected: { servedModelNames: ['small'] } },
    {
      argv: serve('--served-model-name', 'small', 'fast', '--port', '1'),
      expected: { servedModelNames: ['small', 'fast'], port: 1 },
    },
    {
      argv: ['serve', '--served-model-name', 'a', 'b', '--max-num-seqs', '4', '--', 'org/model'],
      expected: { servedModelNames: ['a', 'b'], model: 'org/model', maxNumSeqs: 4 },
    },
    { argv: serve('--max-model-len', '2048'), expected: { maxModelLen: 2048 } },
    { argv: serve('--max-num-seqs', '1'), expected: { maxNumSeqs: 1 } },
    { argv: serve('--enable-sleep-mode'), expected: { enableSleepMode: true } },
    { argv: serve('--no-enable-prefix-caching'), expected: { enablePrefixCaching: false } },
    { argv: serve('--shutdown-timeout', '2.5'), expected: { shutdownTimeoutSeconds: 2.5 } },
    {
      argv: serve(
        '--sim-startup-delay-ms',
        '500',
        '--sim-ttft-ms',
        '5',
        '--sim-inter-token-ms',
        '1',
      ),
      expected: { simStartupDelayMs: 500, simTtftMs: 5, simInterTokenMs: 1 },
    },
    { argv: serve('--sim-seed=-3'), expected: { simSeed: -3 } },
    { argv: serve('--sim-embedding-dim', '8'), expected: { simEmbeddingDim: 8 } },
    { argv: serve('--sim-batch-slowdown', '0.05'), expected: { simBatchSlowdown: 0.05 } },
    { argv: serve('--sim-profile', 'h100-70b'), expected: { simProfile: 'h100-70b' } },
    { argv: serve('--sim-speedup', '20'), expected: { simSpeedup: 20 } },
    { argv: serve('--sim-prefill-ms-per-token=0.5'), expected: { simPrefillMsPerToken: 0.5 } },
    {
      argv: serve('--block-size', '32', '--num-gpu-blocks-override', '512'),
      expected: { blockSize: 32, numGpuBlocksOverride: 512 },
    },
    { argv: serve('--sim-max-waiting', '0'), expected: { simMaxWaiting: 0 } },
    { argv: serve('--sim-wake-delay-ms', '300'), expected: { simWakeDelayMs: 300 } },
    {
      argv: serve('--sim-crash-after-requests', '3', '--sim-hang-after-requests', '1'),
      expected: { simCrashAfterRequests: 3, simHangAfterRequests: 1 },
    },
    { argv: serve('--sim-startup-exit-code', '1'), expected: { simStartupExitCode: 1 } },
    {
      argv: serve('--sim-fault', 'delay-ms=5,cut-after=2'),
      expected: { simFault: { delayMs: 5, ending: { how: 'cut', afterTokens: 2 } } },
    },
  ])('reads $argv', ({ argv, expected }) => {
    const result = parseSimArgs(argv);
    expect(result.kind).toBe('serve');
    if (result.kind === 'serve') expect(result.config).toMatchObject(expected);
  });

  it('accepts a revision, which changes nothing without weights', () => {
    expect(parseSimArgs(serve('--revision', 'a1b2c3d'))).toMatchObject({
      kind: 'serve',
      config: { revision: 'a1b2c3d' },
      noEffectFlags: ['--revision'],
    });
  });

  it('accepts GPU-only flags and reports them as having no effect', () => {
    const result = parseSimArgs(
      serve('--gpu-memory-utilization', '0.8', '--tensor-parallel-size', '2'),
    );
    expect(result).toMatchObject({
      kind: 'serve',
      config: { gpuMemoryUtilization: 0.8, tensorParallelSize: 2 },
      noEffectFlags: ['--gpu-memory-utilization', '--tensor-parallel-size'],
    });
  });

  it.each([
    { argv: serve('--bogus'), message: "Unknown option '--bogus'" },
    { argv: serve('--port'), message: "Option '--port <value>' argument missing" },
    { argv: serve('--port', 'eighty'), message: '--port:' },
    { argv: serve('--port', '70000'), message: '--port:' },
    { argv: serve('--port', ''), message: '--port:' },
    { argv: serve('--max-num-seqs', '0'), message: '--max-num-seqs:' },
    { argv: serve('--max-model-len', '1.5'), message: '--max-model-len:' },
    { argv: serve('--gpu-memory-utilization', '1.5'), message: '--gpu-memory-utilization:' },
    { argv: serve('--sim-inter-token-ms', '-1'), message: 'ambiguous' },
    { argv: serve('--sim-inter-token-ms=-1'), message: '--sim-inter-token-ms:' },
    { argv: ['serve'], message: 'missing the <model> argument' },
    { argv: [], message: "expected the command 'serve'" },
    { argv: ['run', 'org/model'], message: "expected the command 'serve'" },
    { argv: serve('extra'), message: "unexpected argument 'extra'" },
    { argv: serve('--sim-profile', 'a100-8b'), message: '--sim-profile:' },
    { argv: serve('--sim-speedup', '0'), message: '--sim-speedup:' },
    { argv: serve('--sim-fault', 'explode'), message: "--sim-fault: unknown fault 'explode'" },
    {
      argv: serve('--max-model-len', '4096', '--num-gpu-blocks-override', '100'),
      message: '--num-gpu-blocks-override: the KV cache cannot hold one max-model-len sequence',
    },
  ])('rejects $argv with a message naming the problem', ({ argv, message }) => {
    const result = parseSimArgs(argv);
    expect(result.kind).toBe('error');
    if (result.kind === 'error') expect(result.message).toContain(message);
  });

  it('answers --help with a usage text listing every flag', () => {
    const result = parseSimArgs(['--help']);
    expect(result.kind).toBe('help');
    if (result.kind === 'help') {
      expect(result.text).toContain('usage: vllm-sim serve <model>');
      expect(result.text).toContain('--sim-inter-token-ms');
      expect(result.text).toContain('--served-model-name');
    }
  });
});
