import { createServer } from 'node:net';

/**
 * A loopback port that was free a moment ago: for processes that must be told their port up front
 * (the sidecar needs its engine's). Free of test-runner imports, so benchmarks use it too.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
