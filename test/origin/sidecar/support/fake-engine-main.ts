import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createFakeEngine, listen } from './fake-engine';

/**
 * The fake engine as a process, with vLLM's command line: `serve <model> --host H --port P
 * --served-model-name N [...]`. Extra `--fake-*` flags script it. Tests put a `vllm` shim that
 * execs this file on PATH, so the sidecar's real `vllm` code path is what runs.
 */
const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    port: { type: 'string' },
    'fake-startup-delay-ms': { type: 'string', default: '0' },
    'fake-inter-token-ms': { type: 'string', default: '0' },
    'fake-response-delay-ms': { type: 'string', default: '0' },
    'fake-tokens': { type: 'string', default: '3' },
    'fake-grandchild': { type: 'boolean', default: false },
  },
  strict: false,
  allowPositionals: true,
});

const numberFlag = (value: string | boolean | undefined): number => Number(value ?? 0);

if (values['fake-grandchild'] === true) {
  // A worker in the engine's process group, like vLLM's engine core; it must die with the engine.
  const worker = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    stdio: 'ignore',
  });
  process.stdout.write(`fake engine worker pid ${worker.pid}\n`);
}
process.stderr.write('fake engine loading weights\n');
await sleep(numberFlag(values['fake-startup-delay-ms']));

const interTokenMs = numberFlag(values['fake-inter-token-ms']);
const engine = createFakeEngine({
  tokens: numberFlag(values['fake-tokens']),
  responseDelayMs: numberFlag(values['fake-response-delay-ms']),
  nextToken: () => sleep(interTokenMs),
});
const server = await listen(engine.app, numberFlag(values.port));
process.stderr.write(`fake engine listening on ${server.url}\n`);
