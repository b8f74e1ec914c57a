import { describe, expect, it } from 'vitest';
import {
  affinityBlocks,
  blockChars,
  prefixKey,
  renderConversation,
} from '../../worker/core/prefix-key';

const system = { role: 'system', content: 'You are the billing assistant of Acme. '.repeat(30) };

describe('prefixKey', () => {
  it('is the same for requests that share a long system prompt', () => {
    const a = renderConversation([system, { role: 'user', content: 'Where is my invoice?' }]);
    const b = renderConversation([system, { role: 'user', content: 'Cancel my plan.' }]);
    expect(prefixKey('m', a)).toBe(prefixKey('m', b));
  });

  it('stays the same as one conversation grows turn by turn', () => {
    const turns = [{ role: 'user', content: 'Tell me about switchyards. '.repeat(50) }];
    const first = prefixKey('m', renderConversation(turns));
    turns.push(
      { role: 'assistant', content: 'They sort railway cars.' },
      { role: 'user', content: 'And?' },
    );
    expect(prefixKey('m', renderConversation(turns))).toBe(first);
  });

  it.each([
    ['another model', 'm2', 'same text'],
    ['another first block', 'm', 'other text'],
  ])('changes with %s', (_name, model, text) => {
    expect(prefixKey(model, text)).not.toBe(prefixKey('m', 'same text'));
  });

  it('ignores everything past the affinity blocks', () => {
    const head = 'x'.repeat(blockChars * affinityBlocks);
    expect(prefixKey('m', `${head}tail one`)).toBe(prefixKey('m', `${head}tail two`));
  });

  it('renders text parts of multimodal content', () => {
    expect(renderConversation([{ role: 'user', content: [{ text: 'a' }, { text: 'b' }] }])).toBe(
      '<|user|>ab',
    );
  });
});
