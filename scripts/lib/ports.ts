import { createServer } from 'node:net';

/** Whether something already listens on 127.0.0.1:port (we try to listen there ourselves). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Fails with one message naming every busy port, before anything is started. */
export async function assertPortsFree(
  ports: readonly { port: number; use: string }[],
): Promise<void> {
  const busy = [];
  for (const entry of ports) if (!(await isPortFree(entry.port))) busy.push(entry);
  if (busy.length > 0) {
    const list = busy.map((b) => `${b.port} (${b.use})`).join(', ');
    throw new Error(
      `port${busy.length > 1 ? 's' : ''} already in use: ${list}. Is another stack running?`,
    );
  }
}
