import { createFakeEngine, listen, type RunningServer } from './fake-engine';
import { edgeHeaders, sidecarHarness } from './sidecar-harness';

export const path = '/v1/completions';
let servers: RunningServer[] = [];

/** For `afterEach`: closes the fake engines the tests started. */
export async function closeEngines(): Promise<void> {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
}

/** A gate the fake engine waits on between streamed tokens. */
export function tokenGate() {
  const waiting: (() => void)[] = [];
  let open = false;
  return {
    nextToken: () =>
      open ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve)),
    /** Lets every held and future token through. */
    open: () => {
      open = true;
      waiting.splice(0).forEach((resolve) => resolve());
    },
    pending: () => waiting.length,
  };
}

/** The sidecar app in front of a fake engine listening on a real loopback port. */
export async function proxySetup(
  options: Parameters<typeof createFakeEngine>[0] = {},
  limits: Parameters<typeof sidecarHarness>[1] = {},
) {
  const engine = createFakeEngine(options);
  const server = await listen(engine.app);
  servers.push(server);
  const harness = sidecarHarness(
    { baseUrl: server.url, fetch: (url, init) => fetch(url, init) },
    limits,
  );
  return { engine, ...harness };
}

/** A request as the edge sends it, with client headers that must not reach the engine. */
export async function post(
  app: Awaited<ReturnType<typeof proxySetup>>['app'],
  requestId: string,
  payload: object,
  init: RequestInit = {},
) {
  const headers = {
    ...(await edgeHeaders('POST', path, requestId)),
    'content-type': 'application/json',
    accept: 'text/event-stream',
    authorization: 'Bearer sk-sy-client-key',
    cookie: 'session=abc',
    'x-api-key': 'client-key',
    'x-forwarded-for': '203.0.113.9',
    connection: 'keep-alive',
  };
  return app.request(path, { method: 'POST', headers, body: JSON.stringify(payload), ...init });
}
