import path from 'node:path';
import { formatLine } from './lib/log-format';
import { startStack, type Stack } from './lib/stack';
import { repoRoot } from './lib/wrangler';

/**
 * `npm start`: the whole local stack in one terminal — the edge on 127.0.0.1:8787 and two origin
 * replicas (sidecar + vllm-sim) — then the development key and requests to paste. Ctrl-C stops
 * every process it started.
 */

const edgePort = Number(process.env.SWITCHYARD_EDGE_PORT ?? 8787);
const model = 'sim-small';

function progress(message: string): void {
  console.log(`${'[start]'.padEnd(12)} ${message}`);
}

function banner(stack: Stack): string {
  const { edgeUrl, identity } = stack;
  return `
────────────────────────────────────────────────────────────────────────────
 Switchyard is running.  Edge: ${edgeUrl}/v1   Model: ${model}
 Development API key (also in .switchyard/dev.json):

   ${identity.apiKey}

 Try it with curl:

   curl -N ${edgeUrl}/v1/chat/completions \\
     -H "Authorization: Bearer ${identity.apiKey}" \\
     -H "Content-Type: application/json" \\
     -d '{"model":"${model}","stream":true,"messages":[{"role":"user","content":"Hello!"}]}'

 Or with the openai package (node --input-type=module -e '…'):

   import OpenAI from 'openai';
   const client = new OpenAI({ baseURL: '${edgeUrl}/v1', apiKey: '${identity.apiKey}' });
   const stream = await client.chat.completions.create({
     model: '${model}', stream: true, messages: [{ role: 'user', content: 'Hello!' }],
   });
   for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? '');

 Usage report: npm run usage        Stop: Ctrl-C
────────────────────────────────────────────────────────────────────────────
`;
}

async function main(): Promise<void> {
  let stack: Stack | undefined = undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    progress(`${signal}: stopping replicas (drain) and the edge…`);
    await stack?.stop();
    progress('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  stack = await startStack({
    edgePort,
    replicas: [1, 2].map((n) => ({
      id: `replica-${n}`,
      port: 8100 + n,
      enginePort: 8200 + n,
      model,
      engineArgs: ['--sim-inter-token-ms=25'],
    })),
    stateDir: path.join(repoRoot, '.switchyard'),
    persistTo: path.join(repoRoot, '.wrangler/state'),
    onProgress: progress,
    onLine: (name, line) => {
      const formatted = formatLine(name, line);
      if (formatted !== undefined) console.log(formatted);
    },
  });
  if (stopping) return;
  console.log(banner(stack));
}

main().catch((error: unknown) => {
  console.error(
    `${'[start]'.padEnd(12)} failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
