/** A minimal chat body for tests, with any field overridden. */
export const chat = (extra: Record<string, unknown> = {}) => ({
  model: 'tiny',
  messages: [{ role: 'user', content: 'Say hello' }],
  ...extra,
});

/** The `data:` payloads of an SSE body, in order. */
export function dataEvents(sse: string): string[] {
  return sse
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
}
