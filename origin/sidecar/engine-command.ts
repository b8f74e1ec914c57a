import type { EngineKind } from './config';

/** The engine always binds loopback: only its own sidecar may talk to it, never the network. */
export const engineHost = '127.0.0.1';

/** What the engine command line is built from: a slice of `SidecarConfig`. */
export interface EngineCommandConfig {
  engine: EngineKind;
  model: string;
  servedModelName: string;
  enginePort: number;
  maxModelLen?: number | undefined;
  maxNumSeqs?: number | undefined;
  engineArgs: readonly string[];
}

/** Where the simulator lives; injected so the builder stays pure. */
export interface SimulatorLocation {
  /** The Node executable (`process.execPath`). */
  nodePath: string;
  /** Module URL or specifier loaded with `--import` so Node runs TypeScript (tsx's loader). */
  tsxImport: string;
  /** Absolute path of `origin/sim/main.ts`. */
  simEntryPath: string;
}

export interface EngineCommand {
  command: string;
  args: string[];
}

/**
 * `vllm serve <model> --host … --port … --served-model-name … [limits] [extra]`. The simulator
 * accepts the same command line, so both engines share one argument list and differ only in the
 * executable that runs it.
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
    ...optionalFlag('--max-model-len', config.maxModelLen),
    ...optionalFlag('--max-num-seqs', config.maxNumSeqs),
    ...config.engineArgs,
  ];
  switch (config.engine) {
    case 'vllm':
      return { command: 'vllm', args: serveArgs };
    case 'vllm-sim':
      return {
        command: simulator.nodePath,
        args: ['--import', simulator.tsxImport, simulator.simEntryPath, ...serveArgs],
      };
  }
}

/** Base URL the sidecar uses to reach its engine. */
export function engineBaseUrl(enginePort: number): string {
  return `http://${engineHost}:${enginePort}`;
}

function optionalFlag(flag: string, value: number | undefined): string[] {
  return value === undefined ? [] : [flag, String(value)];
}
