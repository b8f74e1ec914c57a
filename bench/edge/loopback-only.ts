import net from 'node:net';

/**
 * Preloaded into the Portkey gateway (`node --import tsx --import …/loopback-only.ts`): its
 * start-up script listens on every interface with no option to change it, and the benchmarks must
 * stay on loopback. A `listen(port[, callback])` call is given the host 127.0.0.1.
 */
// eslint-disable-next-line @typescript-eslint/unbound-method -- re-bound with apply() below
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
  const [port, second] = args;
  if (typeof port === 'number' && (second === undefined || typeof second === 'function')) {
    args.splice(1, second === undefined ? 1 : 0, '127.0.0.1');
  }
  return (listen as (...a: unknown[]) => net.Server).apply(this, args);
} as typeof listen;
