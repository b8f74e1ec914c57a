import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatLine } from './lib/log-format';
import { isStackStopped, launchStack, type Stack } from './lib/stack';
import { repoRoot } from './lib/wrangler';

/**
 * `npm start`: the whole local stack in one terminal — the edge on 127.0.0.1:8787, two origin
 * replicas of the small model and one of the large (sidecar + vllm-sim each) — then the
 * development key and requests to paste. Ctrl-C stops every process it started, at any moment,
 * start-up included.
 */

const edgePort = Number(process.env.SWITCHYARD_EDGE_PORT ?? 8787);
const model = 'sim-small';
const largeModel = 'sim-large';
const stateDir = path.join(repoRoot, '.switchyard');

function progress(message: string): void {
  console.log(`${'[start]'.padEnd(12)} ${message}`);
}

/** A ready-to-run example inside the repository, so `openai` resolves from its node_modules. */
function writeExample(stack: Stack): string {
  const file = path.join(stateDir, 'hello.mjs');
  writeFileSync(
    file,
    `// Written by \`npm start\`: streams one answer through the local gateway.
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: '${stack.edgeUrl}/v1', apiKey: process.env.SWITCHYARD_KEY ?? '${stack.identity.apiKey}' });
const stream = await client.chat.completions.create({
  model: '${model}',
  stream: true,
  messages: [{ role: 'user', content: 'Hello!' }],
});
for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? '');
process.stdout.write('\\n');
`,
  );
  return path.relative(process.cwd(), file);
}

function banner(stack: Stack, example: string): string {
  const { edgeUrl, identity } = stack;
  return `
────────────────────────────────────────────────────────────────────────────
 Switchyard is running.  Edge: ${edgeUrl}/v1   Model: ${model}
 Development API key (kept in .switchyard/dev.json, the same on every start):

   export SWITCHYARD_KEY=${identity.apiKey}

 Stream an answer with curl:

   curl -N ${edgeUrl}/v1/chat/completions \\
     -H "Authorization: Bearer $SWITCHYARD_KEY" \\
     -H "Content-Type: application/json" \\
     -d '{"model":"${model}","stream":true,"messages":[{"role":"user","content":"Hello!"}]}'

 Or with the openai package (the code is in ${example}):

   node ${example}

 Let the router pick the model: "model":"auto" sends easy prompts to ${model} and
 hard ones to ${largeModel} (see the x-switchyard-model and x-switchyard-route headers);
 "fast" and "smart" name them directly.

 Reports: npm run usage   (or curl -H "Authorization: Bearer <adminToken from
 .switchyard/dev.json>" ${edgeUrl}/admin/reports/usage)
 Dashboard: ${edgeUrl}/admin   (log in with the adminToken from .switchyard/dev.json)
 Health: curl ${edgeUrl}/healthz        Stop: Ctrl-C
────────────────────────────────────────────────────────────────────────────
`;
}

async function main(): Promise<void> {
  const stack = launchStack({
    edgePort,
    replicas: [
      ...[1, 2].map((n) => ({
        id: `replica-${n}`,
        port: 8100 + n,
        enginePort: 8200 + n,
        model,
        engineArgs: ['--sim-inter-token-ms=25'],
      })),
      // The large tier of `auto`: one replica with the simulator's 70B latency profile.
      {
        id: 'replica-large',
        port: 8103,
        enginePort: 8203,
        model: largeModel,
        engineArgs: ['--sim-profile=h100-70b'],
      },
    ],
    stateDir,
    persistTo: path.join(repoRoot, '.wrangler/state'),
    onProgress: progress,
    onLine: (name, line) => {
      const formatted = formatLine(name, line);
      if (formatted !== undefined) console.log(formatted);
    },
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log('');
    progress(`${signal}: draining the replicas and stopping the edge…`);
    await stack.stop();
    progress('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    await stack.ready;
  } catch (error) {
    if (isStackStopped(error)) return;
    throw error;
  }
  console.log(banner(stack, writeExample(stack)));
}

main().catch((error: unknown) => {
  console.error(
    `${'[start]'.padEnd(12)} failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
