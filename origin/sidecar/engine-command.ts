import type { EngineKind } from './config-schema';

/** The engine always binds loopback: only its own sidecar may talk to it, never the network. */
export const engineHost = '127.0.0.1';

/** What the engine command line is built from: a slice of `SidecarConfig`. */
export interface EngineCommandConfig {
  engine: EngineKind;
  model: string;
  servedModelName: string;
  modelRevision?: string | undefined;
  enginePort: number;
  maxModelLen?: number | undefined;
  maxNumSeqs?: number | undefined;
  gpuMemoryUtilization?: number | undefined;
  /** Undefined leaves vLLM's default; false writes `--no-enable-prefix-caching`. */
  enablePrefixCaching?: boolean | undefined;
  tensorParallelSize?: number | undefined;
  enableSleepMode: boolean;
  engineShutdownTimeoutSeconds?: number | undefined;
  engineArgs: readonly string[];
}

/** Where the simulator lives; injected so the builder stays pure. */
export interface SimulatorLocation {
  /** The Node executable (`process.execPath`). */
  nodePath: string;
  /** Node options before the entry, e.g. `--import <tsx>` to run TypeScript; none for a bundle. */
  nodeArgs: readonly string[];
  /** `origin/sim/main.ts`, or `vllm-sim.mjs` next to a bundled sidecar. */
  entryPath: string;
}

export interface EngineCommand {
  command: string;
  args: string[];
  /** Added to the sidecar's environment (without its secret) for the engine. */
  env: Readonly<Record<string, string>>;
}

/**
 * `vllm serve <model> --host … --port … --served-model-name … [options] [extra]`. The simulator
 * accepts the same command line, so both engines share one argument list and differ only in the
 * executable that runs it. Extra arguments come last, so an operator can override anything.
 */
export function buildEngineCommand(
  config: EngineCommandConfig,
  simulator: SimulatorLocation,
): EngineCommand {
  const serveArgs = [
    'serve',
    config.model,
    '--host',
    engineHost,
    '--port',
    String(config.enginePort),
    '--served-model-name',
    config.servedModelName,
    ...valueFlag('--revision', config.modelRevision),
    ...valueFlag('--max-model-len', config.maxModelLen),
    ...valueFlag('--max-num-seqs', config.maxNumSeqs),
    ...valueFlag('--gpu-memory-utilization', config.gpuMemoryUtilization),
    ...valueFlag('--tensor-parallel-size', config.tensorParallelSize),
    ...switchFlag('--enable-prefix-caching', config.enablePrefixCaching),
    ...valueFlag('--shutdown-timeout', config.engineShutdownTimeoutSeconds),
    ...(config.enableSleepMode ? ['--enable-sleep-mode'] : []),
    ...config.engineArgs,
  ];
  // vLLM serves /sleep, /wake_up and /is_sleeping only in development mode; the routes stay on
  // loopback because the engine binds 127.0.0.1 and only the sidecar is tunnelled.
  const env: Record<string, string> = config.enableSleepMode ? { VLLM_SERVER_DEV_MODE: '1' } : {};
  switch (config.engine) {
    case 'vllm':
      return { command: 'vllm', args: serveArgs, env };
    case 'vllm-sim':
      return {
        command: simulator.nodePath,
        args: [...simulator.nodeArgs, simulator.entryPath, ...serveArgs],
        env,
      };
  }
}

/** Base URL the sidecar uses to reach its engine. */
export function engineBaseUrl(enginePort: number): string {
  return `http://${engineHost}:${enginePort}`;
}

/**
 * How long to wait after SIGTERM before SIGKILL: vLLM's own shutdown timeout (in-flight requests
 * may finish) plus the grace for tearing down workers and freeing GPU memory.
 */
export function engineKillGraceMs(config: {
  engineShutdownTimeoutSeconds?: number | undefined;
  engineStopTimeoutMs: number;
}): number {
  return (config.engineShutdownTimeoutSeconds ?? 0) * 1000 + config.engineStopTimeoutMs;
}

function valueFlag(flag: string, value: number | string | undefined): string[] {
  return value === undefined ? [] : [flag, String(value)];
}

function switchFlag(flag: string, value: boolean | undefined): string[] {
  if (value === undefined) return [];
  return [value ? flag : flag.replace(/^--/, '--no-')];
}
