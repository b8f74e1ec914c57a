/**
 * What a loading engine is doing, read from its log lines, so heartbeats and `/state` can say
 * "capturing CUDA graphs (95.0 s)" instead of only "loading". Loading a large model takes
 * minutes; an operator watching a replica needs to tell a slow download from a hang.
 *
 * Patterns match vLLM's own messages (V1 engine, 0.8–0.11) and the simulator's; an unknown line
 * changes nothing. The first matching pattern wins, so the more specific ones come first. Pure.
 */
const phases: readonly (readonly [RegExp, string])[] = [
  [/Application startup complete|Uvicorn running on|"msg":"listening"/, 'listening'],
  [/Graph capturing finished|init engine .* took/, 'engine initialised'],
  [/Capturing CUDA graph|Capturing cudagraph/, 'capturing CUDA graphs'],
  [
    /Memory profiling|GPU KV cache size|# GPU blocks|Available KV cache memory/,
    'sizing the KV cache',
  ],
  [/torch\.compile|Compiling a graph|Dynamo bytecode transform/, 'compiling the model'],
  [/Model loading took|Loading weights took/, 'weights loaded'],
  [
    /Starting to load model|Loading weights|Loading safetensors|simulated startup delay/,
    'loading weights',
  ],
  [/Initializing a V1 LLM engine|Initializing an LLM engine/, 'initialising the engine'],
  [/vLLM API server version|Starting vLLM API server|vllm-sim starting/, 'starting the API server'],
];

/** The phase a log line announces, if it announces one. */
export function startupPhaseOf(line: string): string | undefined {
  for (const [pattern, phase] of phases) if (pattern.test(line)) return phase;
  return undefined;
}
