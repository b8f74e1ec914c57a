import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { formatLine } from '../../scripts/lib/log-format';
import { launchStack } from '../../scripts/lib/stack';
import { e2eLargeModel, e2ePorts, e2eModel, interTokenMs } from './stack-config';

declare module 'vitest' {
  export interface ProvidedContext {
    edgeUrl: string;
    apiKey: string;
    adminToken: string;
    persistTo: string;
  }
}

/**
 * Starts the real stack once for the e2e tier — wrangler dev, three sidecars with their vllm-sim
 * processes (two of the small model, one of the large) — on ports apart from `npm start`'s and
 * with throwaway state, and stops it afterwards.
 */
export default async function setup(project: TestProject) {
  const scratch = mkdtempSync(path.join(tmpdir(), 'switchyard-e2e-'));
  const log: string[] = [];
  const stack = launchStack({
    edgePort: e2ePorts.edge,
    replicas: [
      ...e2ePorts.replicas.map((ports, i) => ({
        id: `e2e-${i + 1}`,
        ...ports,
        model: e2eModel,
        engineArgs: [`--sim-inter-token-ms=${interTokenMs}`],
      })),
      {
        id: 'e2e-large',
        ...e2ePorts.large,
        model: e2eLargeModel,
        engineArgs: ['--sim-profile=h100-70b', `--sim-inter-token-ms=${interTokenMs}`],
      },
    ],
    stateDir: path.join(scratch, 'identity'),
    persistTo: path.join(scratch, 'state'),
    onProgress: (message) => log.push(`[setup] ${message}`),
    onLine: (name, line) => {
      const formatted = formatLine(name, line);
      if (formatted !== undefined) log.push(formatted);
    },
  });
  await stack.ready.catch((error: unknown) => {
    console.error(log.join('\n'));
    throw error;
  });
  project.provide('edgeUrl', stack.edgeUrl);
  project.provide('apiKey', stack.identity.apiKey);
  project.provide('adminToken', stack.identity.adminToken);
  project.provide('persistTo', path.join(scratch, 'state'));

  return async () => {
    await stack.stop();
    if (process.env.SWITCHYARD_E2E_LOG) console.log(log.join('\n'));
    rmSync(scratch, { recursive: true, force: true });
  };
}
