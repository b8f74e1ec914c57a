import { describe, expect, it } from 'vitest';
import { startupPhaseOf } from '../../../origin/sidecar/engine-log-phase';

describe('startupPhaseOf', () => {
  it.each([
    [
      'INFO 05-01 12:00:01 [api_server.py:1090] vLLM API server version 0.10.1',
      'starting the API server',
    ],
    [
      'INFO [core.py:74] Initializing a V1 LLM engine (v0.10.1) with config: model=...',
      'initialising the engine',
    ],
    [
      'INFO [gpu_model_runner.py:1900] Starting to load model meta-llama/Llama-3.1-8B...',
      'loading weights',
    ],
    ['Loading safetensors checkpoint shards:  50% Completed | 2/4', 'loading weights'],
    ['INFO [default_loader.py:262] Loading weights took 4.21 seconds', 'weights loaded'],
    [
      'INFO [gpu_model_runner.py:1925] Model loading took 15.0 GiB and 5.1 seconds',
      'weights loaded',
    ],
    ['INFO [backends.py:530] Dynamo bytecode transform time: 6.21 s', 'compiling the model'],
    ['INFO [gpu_worker.py:276] Available KV cache memory: 52.1 GiB', 'sizing the KV cache'],
    ['INFO [kv_cache_utils.py:829] GPU KV cache size: 426,672 tokens', 'sizing the KV cache'],
    [
      'Capturing CUDA graphs (mixed prefill-decode, PIECEWISE): 100%|██████████| 67/67',
      'capturing CUDA graphs',
    ],
    [
      'INFO [gpu_model_runner.py:2567] Graph capturing finished in 12 secs, took 0.55 GiB',
      'engine initialised',
    ],
    [
      'INFO [core.py:215] init engine (profile, create kv cache, warmup model) took 48.3 seconds',
      'engine initialised',
    ],
    ['INFO:     Application startup complete.', 'listening'],
    [
      '{"ts":"…","level":"info","msg":"loading (simulated startup delay)","delayMs":300}',
      'loading weights',
    ],
    ['{"ts":"…","level":"info","msg":"listening","host":"127.0.0.1","port":8000}', 'listening'],
  ])('reads %j as %s', (line, phase) => {
    expect(startupPhaseOf(line)).toBe(phase);
  });

  it.each(['INFO: 127.0.0.1:50000 - "GET /health HTTP/1.1" 200 OK', '', 'WARNING something else'])(
    'ignores %j',
    (line) => {
      expect(startupPhaseOf(line)).toBeUndefined();
    },
  );
});
