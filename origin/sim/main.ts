/**
 * vllm-sim's process shell: `vllm-sim serve <model> [flags]`, the same command line as
 * `vllm serve`. Everything here is I/O — arguments, timers, signals, the socket; the behaviour
 * lives in the app and the pure modules it is built from.
 */
import { randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import { createSimApp } from './app';
import { parseSimArgs, usageText } from './cli';
import { systemClock } from './clock';
import { createJsonLogger } from './logger';
import { createSimRuntime } from './sim-runtime';

const parsed = parseSimArgs(process.argv.slice(2));
if (parsed.kind === 'help') {
  process.stdout.write(`${parsed.text}\n`);
  process.exit(0);
}
if (parsed.kind === 'error') {
  // Exit code 2 and usage on stderr, as argparse does when `vllm serve` gets a bad flag.
  process.stderr.write(`${usageText}\nvllm-sim: error: ${parsed.message}\n`);
  process.exit(2);
}

const { config, noEffectFlags } = parsed;
const logger = createJsonLogger((line) => process.stdout.write(line), systemClock);
logger.info('vllm-sim starting', {
  model: config.model,
  servedModelNames: config.servedModelNames,
  host: config.host,
  port: config.port,
  maxModelLen: config.maxModelLen,
  maxNumSeqs: config.maxNumSeqs,
  enableSleepMode: config.enableSleepMode,
});
if (noEffectFlags.length > 0) {
  logger.info('accepted GPU flags that have no effect in the simulator', { flags: noEffectFlags });
}

// Until the delay is over nothing listens, as vLLM does not while it loads weights: a supervisor
// must see connection refused, not a server that answers early.
let stopping = false;
const exitDuringStartup = (signal: NodeJS.Signals): void => {
  logger.info('stopped before listening', { signal });
  process.exit(0);
};
process.once('SIGTERM', exitDuringStartup);
process.once('SIGINT', exitDuringStartup);
if (config.simStartupDelayMs > 0) {
  logger.info('loading (simulated startup delay)', { delayMs: config.simStartupDelayMs });
  await new Promise((resolve) => setTimeout(resolve, config.simStartupDelayMs));
}
if (config.simStartupExitCode !== undefined) {
  // Like vLLM dying after loading (CUDA out of memory while profiling): a start-up crash loop.
  logger.error('start-up failed (fault injection)', { exitCode: config.simStartupExitCode });
  process.exit(config.simStartupExitCode);
}
process.off('SIGTERM', exitDuringStartup);
process.off('SIGINT', exitDuringStartup);

const runtime = createSimRuntime(config, {
  logger,
  // An abrupt death: no drain, sockets reset, as when the Python process dies on a CUDA error.
  crash: () => process.exit(70),
});
const app = createSimApp({ runtime, clock: systemClock, logger, newId: () => randomUUID() });
const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
  logger.info('listening', { host: config.host, port: info.port });
});
server.on('error', (error) => {
  logger.error('server error', { error: String(error) });
  process.exit(1);
});

/**
 * Stop accepting, let in-flight requests finish for up to --shutdown-timeout seconds, then cut
 * what is left and exit 0.
 */
const shutdown = (signal: NodeJS.Signals): void => {
  if (stopping) return;
  stopping = true;
  const { running, waiting } = runtime.scheduler.stats();
  logger.info('shutting down', {
    signal,
    running,
    waiting,
    shutdownTimeoutSeconds: config.shutdownTimeoutSeconds,
  });
  runtime.beginDrain();
  const exit = (): void => {
    logger.info('stopped');
    process.exit(0);
  };
  server.close(exit);
  const closeConnections = (which: 'idle' | 'all'): void => {
    if (!('closeAllConnections' in server)) return;
    if (which === 'all') server.closeAllConnections();
    else server.closeIdleConnections();
  };
  // close() only closes the sockets idle at that moment; a keep-alive socket whose response ends
  // later would hold the server open until the timeout, so sweep idle sockets while draining.
  setInterval(() => closeConnections('idle'), 50).unref();
  setTimeout(() => {
    logger.warn('shutdown timeout; cutting in-flight requests', { ...runtime.scheduler.stats() });
    closeConnections('all');
    exit();
  }, config.shutdownTimeoutSeconds * 1000);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
