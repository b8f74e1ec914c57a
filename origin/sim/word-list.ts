/**
 * The vocabulary of generated text: common English words of at most 8 letters, so that each one
 * is exactly one token under the simulator's tokenizer (see tokenizer.ts) and `completion_tokens`
 * equals the number of streamed chunks. Kept ten to a line (hence prettier-ignore).
 */
// prettier-ignore
export const wordList = [
  'the', 'a', 'an', 'this', 'that', 'each', 'every', 'some', 'many', 'few',
  'system', 'model', 'request', 'answer', 'question', 'result', 'value', 'number', 'example', 'reason',
  'server', 'client', 'network', 'process', 'memory', 'cache', 'token', 'stream', 'message', 'signal',
  'time', 'day', 'year', 'world', 'people', 'group', 'problem', 'idea', 'point', 'part',
  'place', 'case', 'fact', 'way', 'work', 'word', 'line', 'side', 'kind', 'head',
  'house', 'river', 'garden', 'window', 'city', 'road', 'light', 'water', 'story', 'book',
  'is', 'was', 'can', 'will', 'should', 'could', 'might', 'must', 'does', 'has',
  'make', 'take', 'give', 'find', 'keep', 'show', 'build', 'start', 'follow', 'explain',
  'measure', 'return', 'change', 'compare', 'improve', 'reduce', 'describe', 'consider', 'support', 'handle',
  'good', 'new', 'small', 'large', 'simple', 'careful', 'quick', 'steady', 'clear', 'useful',
  'early', 'late', 'common', 'similar', 'direct', 'likely', 'stable', 'local', 'global', 'final',
  'with', 'from', 'about', 'into', 'through', 'after', 'before', 'under', 'between', 'without',
  'and', 'but', 'or', 'so', 'because', 'while', 'when', 'where', 'then', 'also',
  'often', 'always', 'rarely', 'usually', 'quickly', 'slowly', 'again', 'still', 'only', 'even',
] as const satisfies readonly [string, ...string[]];
