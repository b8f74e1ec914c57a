import { parseArgs, type ParseArgsConfig } from 'node:util';
import { latencyProfileNames } from './latency';
import { defaultSimConfig, simConfigSchema, type SimConfig } from './sim-config';

type ValueKind = 'string' | 'int' | 'number' | 'boolean' | 'names';

/** One command-line flag: its spelling, the config field it sets, and how its value is read. */
interface FlagSpec {
  flag: string;
  key: keyof SimConfig;
  kind: ValueKind;
  /** Accepted for command-line compatibility with `vllm serve`, but changes nothing here. */
  noEffect?: true;
  help: string;
}

/** The accepted flags, as data: parsing, validation messages and `--help` all come from here. */
const flagSpecs: readonly FlagSpec[] = [
  { flag: 'host', key: 'host', kind: 'string', help: 'address to listen on' },
  { flag: 'port', key: 'port', kind: 'int', help: 'port to listen on; 0 picks a free one' },
  {
    flag: 'served-model-name',
    key: 'servedModelNames',
    kind: 'names',
    help: 'NAME [NAME...] model names clients may request (default: <model>)',
  },
  {
    flag: 'revision',
    key: 'revision',
    kind: 'string',
    noEffect: true,
    help: 'model revision to load (no weights here)',
  },
  { flag: 'max-model-len', key: 'maxModelLen', kind: 'int', help: 'context length in tokens' },
  { flag: 'max-num-seqs', key: 'maxNumSeqs', kind: 'int', help: 'sequences generating at once' },
  {
    flag: 'gpu-memory-utilization',
    key: 'gpuMemoryUtilization',
    kind: 'number',
    noEffect: true,
    help: 'fraction of GPU memory (no GPU here)',
  },
  {
    flag: 'enable-prefix-caching',
    key: 'enablePrefixCaching',
    kind: 'boolean',
    help: 'count prefix-cache queries in metrics (--no-enable-prefix-caching to turn off)',
  },
  {
    flag: 'shutdown-timeout',
    key: 'shutdownTimeoutSeconds',
    kind: 'number',
    help: 'seconds in-flight requests may finish after SIGTERM',
  },
  {
    flag: 'tensor-parallel-size',
    key: 'tensorParallelSize',
    kind: 'int',
    noEffect: true,
    help: 'GPUs per replica (no GPU here)',
  },
  { flag: 'enable-sleep-mode', key: 'enableSleepMode', kind: 'boolean', help: 'serve /sleep' },
  { flag: 'block-size', key: 'blockSize', kind: 'int', help: 'tokens per KV-cache block' },
  {
    flag: 'num-gpu-blocks-override',
    key: 'numGpuBlocksOverride',
    kind: 'int',
    help: 'KV-cache size in blocks (default: max-model-len × max-num-seqs worth)',
  },
  {
    flag: 'sim-startup-delay-ms',
    key: 'simStartupDelayMs',
    kind: 'int',
    help: 'wait before listening, like loading weights',
  },
  {
    flag: 'sim-startup-exit-code',
    key: 'simStartupExitCode',
    kind: 'int',
    help: 'exit with this code after the start-up delay instead of listening',
  },
  {
    flag: 'sim-profile',
    key: 'simProfile',
    kind: 'string',
    help: `latency reference profile: ${latencyProfileNames.join(' | ')}`,
  },
  { flag: 'sim-speedup', key: 'simSpeedup', kind: 'number', help: 'divide every delay by this' },
  { flag: 'sim-ttft-ms', key: 'simTtftMs', kind: 'number', help: 'fixed part of TTFT (profile)' },
  {
    flag: 'sim-prefill-ms-per-token',
    key: 'simPrefillMsPerToken',
    kind: 'number',
    help: 'TTFT per uncached prompt token (profile)',
  },
  {
    flag: 'sim-inter-token-ms',
    key: 'simInterTokenMs',
    kind: 'number',
    help: 'delay between streamed tokens (profile)',
  },
  {
    flag: 'sim-batch-slowdown',
    key: 'simBatchSlowdown',
    kind: 'number',
    help: 'extra delay fraction per running sequence beyond the first (profile)',
  },
  {
    flag: 'sim-max-waiting',
    key: 'simMaxWaiting',
    kind: 'int',
    help: 'requests that may wait for a slot; more get 429 (unbounded)',
  },
  {
    flag: 'sim-wake-delay-ms',
    key: 'simWakeDelayMs',
    kind: 'int',
    help: '/wake_up takes this long',
  },
  {
    flag: 'sim-crash-after-requests',
    key: 'simCrashAfterRequests',
    kind: 'int',
    help: 'the process dies when generation request N+1 arrives',
  },
  {
    flag: 'sim-hang-after-requests',
    key: 'simHangAfterRequests',
    kind: 'int',
    help: 'the engine hangs (no more tokens, /health still 200) at request N+1',
  },
  {
    flag: 'sim-fault',
    key: 'simFault',
    kind: 'string',
    help: 'fault spec for every request without an x-sim-fault header (see README)',
  },
  { flag: 'sim-seed', key: 'simSeed', kind: 'int', help: 'changes every generated text' },
  { flag: 'sim-embedding-dim', key: 'simEmbeddingDim', kind: 'int', help: 'embedding dimension' },
];

export type CliResult =
  | {
      kind: 'serve';
      config: SimConfig;
      /** GPU-only flags that were given: accepted, logged, and otherwise ignored. */
      noEffectFlags: string[];
    }
  | { kind: 'help'; text: string }
  | { kind: 'error'; message: string };

/** The `--help` text, generated from the flag table. */
export const usageText = [
  'usage: vllm-sim serve <model> [flags]',
  '',
  'Flags (same spelling as `vllm serve`; values as --flag V or --flag=V):',
  ...flagSpecs.map((spec) => `  --${spec.flag.padEnd(24)} ${spec.help}${defaultNote(spec.key)}`),
].join('\n');

function defaultNote(key: keyof SimConfig): string {
  return key in defaultSimConfig
    ? ` (default: ${String(defaultSimConfig[key as keyof typeof defaultSimConfig])})`
    : '';
}

const parseOptions = Object.fromEntries([
  ['help', { type: 'boolean', short: 'h' }],
  ...flagSpecs.map((spec) => [spec.flag, { type: spec.kind === 'boolean' ? 'boolean' : 'string' }]),
]) as NonNullable<ParseArgsConfig['options']>;

/**
 * Reads `serve <model> [flags]` (argv without node and the script) into a validated config. Pure:
 * it never prints or exits; the shell turns an error into exit code 2, as argparse does for vLLM.
 */
export function parseSimArgs(argv: readonly string[]): CliResult {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: parseOptions,
      strict: true,
      allowPositionals: true,
      allowNegative: true,
      tokens: true,
    });
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (parsed.values.help === true) return { kind: 'help', text: usageText };

  // `--served-model-name` takes one or more names (argparse nargs="+"), which parseArgs cannot
  // express: positionals that follow it directly are more names, the others are the command line's.
  const positionals: string[] = [];
  const extraNames: string[] = [];
  let namesOpen = false;
  for (const token of parsed.tokens ?? []) {
    if (token.kind === 'option') {
      namesOpen = token.name === 'served-model-name' && !token.inlineValue;
    } else if (token.kind === 'positional') {
      (namesOpen ? extraNames : positionals).push(token.value);
    } else {
      namesOpen = false;
    }
  }
  const [command, model, ...rest] = positionals;
  if (command !== 'serve') return { kind: 'error', message: "expected the command 'serve'" };
  if (model === undefined) return { kind: 'error', message: 'missing the <model> argument' };
  if (rest.length > 0) return { kind: 'error', message: `unexpected argument '${rest.join(' ')}'` };

  const raw: Record<string, unknown> = { ...defaultSimConfig, model, servedModelNames: [model] };
  const noEffectFlags: string[] = [];
  for (const spec of flagSpecs) {
    const value = parsed.values[spec.flag];
    if (value === undefined) continue;
    raw[spec.key] = readValue(spec.kind, value, extraNames);
    if (spec.noEffect) noEffectFlags.push(`--${spec.flag}`);
  }

  const result = simConfigSchema.safeParse(raw);
  if (result.success) return { kind: 'serve', config: result.data, noEffectFlags };
  const issue = result.error.issues[0];
  const spec = flagSpecs.find((candidate) => candidate.key === issue?.path[0]);
  const where = spec ? `--${spec.flag}` : 'arguments';
  return { kind: 'error', message: `${where}: ${issue?.message ?? 'invalid value'}` };
}

function readValue(
  kind: ValueKind,
  value: string | boolean | (string | boolean)[],
  extraNames: string[],
): unknown {
  switch (kind) {
    case 'boolean':
      return value;
    case 'string':
      return value;
    case 'names':
      return [String(value), ...extraNames];
    case 'int':
    case 'number':
      // Number('') is 0; a blank value must fail validation instead of meaning zero.
      return typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  }
}
