import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { Lab, offsets } from './lab';
import { selfTime, type CpuProfile } from './profile-table';

/**
 * `npm run bench:profile -- [bypass|hit] [--requests=N] [--base-port=P]`: where the Worker spends
 * its CPU on one kind of request. Starts the benchmark lab (zero-latency upstream, seeded key),
 * with wrangler dev building an unminified bundle, sends N sequential requests while V8's sampling
 * profiler runs in the Worker (through wrangler dev's inspector), prints self time per function
 * and writes the `.cpuprofile` (open it in Chrome DevTools → Performance) to the temp directory.
 * The profiler slows every request several times over: read shares, not milliseconds.
 */

const args = process.argv.slice(2);
const option = (name: string) =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const mode = args.find((a) => !a.startsWith('--')) ?? 'bypass';
if (mode !== 'bypass' && mode !== 'hit') {
  console.error('usage: npm run bench:profile -- [bypass|hit] [--requests=N] [--base-port=P]');
  process.exit(2);
}
const requests = Number(option('requests') ?? 2000);
const basePort = Number(option('base-port') ?? 9700);

const progress = (message: string) => console.log(`[profile] ${message}`);
const scratch = mkdtempSync(path.join(tmpdir(), 'switchyard-profile-'));
const lab = new Lab({ basePort, scratch, progress, unminifiedDev: true });
const stop = () => lab.stop().finally(() => rmSync(scratch, { recursive: true, force: true }));
process.once('SIGINT', () => void stop().finally(() => process.exit(130)));

/** The smallest Chrome DevTools protocol client: one call at a time, answers matched by id. */
async function devtools(url: string) {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let lastId = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  // Text frames arrive as one Buffer (ws's default binaryType).
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString('utf8')) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  });
  return {
    call: <T>(method: string, params: object = {}) =>
      new Promise<T>((resolve) => {
        lastId += 1;
        waiting.set(lastId, resolve as (result: unknown) => void);
        socket.send(JSON.stringify({ id: lastId, method, params }));
      }),
    close: () => socket.close(),
  };
}

try {
  const targets = await lab.targets();
  const edge = targets.find((t) => t.name === 'wrangler-dev')!.endpoint('zero');
  const body = JSON.stringify({
    model: edge.model,
    messages: [{ role: 'user', content: 'Say hello.' }],
    max_tokens: 16,
    // Without temperature the cache is bypassed; with it, every request after the first hits.
    ...(mode === 'hit' && { temperature: 0 }),
  });
  const send = async () => {
    const response = await fetch(edge.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...edge.headers },
      body,
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`the edge answered ${response.status}`);
  };
  progress('warming up (300 requests)');
  for (let i = 0; i < 300; i += 1) await send();

  const inspector = `http://127.0.0.1:${lab.port(offsets.wranglerInspector)}/json`;
  const [worker] = (await (await fetch(inspector)).json()) as { webSocketDebuggerUrl: string }[];
  if (worker === undefined) throw new Error(`no Worker at ${inspector}`);
  const session = await devtools(worker.webSocketDebuggerUrl);
  await session.call('Profiler.enable');
  await session.call('Profiler.setSamplingInterval', { interval: 100 });
  await session.call('Profiler.start');
  progress(`profiling ${requests} ${mode} requests`);
  const startedAt = performance.now();
  for (let i = 0; i < requests; i += 1) await send();
  const elapsedMs = performance.now() - startedAt;
  const { profile } = await session.call<{ profile: CpuProfile }>('Profiler.stop');
  session.close();

  const file = path.join(tmpdir(), `switchyard-${mode}-${Date.now()}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  console.log(
    `\n${requests} ${mode} requests, ${(elapsedMs / requests).toFixed(2)} ms each under the profiler`,
  );
  console.log('share   µs/request  function (self time)');
  for (const row of selfTime(profile).slice(0, 30)) {
    const share = `${(row.share * 100).toFixed(1)}%`.padStart(6);
    console.log(`${share}  ${(row.selfUs / requests).toFixed(0).padStart(10)}  ${row.function}`);
  }
  console.log(`\nprofile: ${file}`);
} finally {
  await stop();
}
