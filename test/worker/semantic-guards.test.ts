import { describe, expect, it } from 'vitest';
import { guardVerdict, guardsPass } from '../../worker/cache/semantic/guards';

/**
 * Cases written for these tests, not taken from test/fixtures/semantic-pairs.jsonl (the pair set
 * measures the guards; these pin each guard's behaviour).
 */

describe('guardVerdict rejects near-misses', () => {
  it.each([
    [
      'identifiers',
      'What does `Array.prototype.flat` do?',
      'What does `Array.prototype.flatMap` do?',
    ],
    ['identifiers', 'Why is getUserById slow?', 'Why is getUserByEmail slow?'],
    ['identifiers', 'What does the --dry-run flag do?', 'What does the --force flag do?'],
    ['identifiers', 'Explain std::vector in C++', 'Explain std::deque in C++'],
    ['identifiers', 'Open config/prod.yaml', 'Open config/dev.yaml'],
    ['quoted', 'Translate "thank you" to Dutch', 'Translate "excuse me" to Dutch'],
    ['numbers', 'Write a 300 word summary', 'Write a 600 word summary'],
    ['numbers', 'What is twelve times four?', 'What is twelve times five?'],
    ['numbers', 'Split 1,500 among the team', 'Split 15,000 among the team'],
    ['numbers', 'Explain the 2nd law of thermodynamics', 'Explain the 3rd law of thermodynamics'],
    ['units', 'How far is 40 km by bike?', 'How far is 40 miles by bike?'],
    ['units', 'Roast it at 200 °C', 'Roast it at 200 °F'],
    ['units', 'Is 16 GB of memory enough?', 'Is 16 MB of memory enough?'],
    ['units', 'How many milliseconds are in a minute?', 'How many seconds are in a minute?'],
    ['negation', 'Which plants need direct sunlight?', "Which plants don't need direct sunlight?"],
    ['negation', 'Can I travel with a cat?', 'Can I travel without a cat?'],
    ['negation', 'Is this loop efficient?', 'Is this loop inefficient?'],
    ['negation', 'Is the road passable?', 'Is the road impassable?'],
    ['opposites', 'Zip the folder before sending', 'Unzip the folder before sending'],
    ['opposites', 'Sort the names in ascending order', 'Sort the names in descending order'],
    ['opposites', 'Arguments for a four-day week', 'Arguments against a four-day week'],
    ['opposites', 'Why do prices rise in winter?', 'Why do prices fall in winter?'],
    ['entities', 'Who founded Netflix?', 'Who founded Spotify?'],
    ['entities', 'Best time to visit Lisbon', 'Best time to visit Porto'],
    ['question', 'Who invented the telephone?', 'How does the telephone work?'],
    ['question', 'When was the printing press invented?', 'Why was the printing press invented?'],
    ['substitution', 'how do i grow basil indoors', 'how do i grow mint indoors'],
    ['substitution', 'recipe for lemon cake', 'recipe for apple cake'],
    ['word-order', 'Does the buyer pay the seller first?', 'Does the seller pay the buyer first?'],
    ['word-order', 'Convert kilograms to pounds', 'Convert pounds to kilograms'],
    ['word-order', 'Is Rust safer than Go?', 'Is Go safer than Rust?'],
  ])('%s: %j vs %j', (reason, stored, query) => {
    const verdict = guardVerdict(query, stored);
    expect(verdict).toMatchObject({ pass: false, reason });
    expect(guardsPass(query, stored)).toBe(false);
  });
});

describe('guardVerdict lets paraphrases through', () => {
  it.each([
    ['case and punctuation', 'How do I flatten a nested list?', 'how do i flatten a nested list'],
    ['filler words', 'Explain what a mutex is', 'Could you please explain what a mutex is?'],
    ['contractions', 'What is the point of unit tests?', "What's the point of unit tests?"],
    ['number words vs digits', 'Give me 4 tips for focus', 'Give me four tips for focus'],
    ['unit spellings', 'Convert 3 kg to lb', 'Convert 3 kilograms to pounds'],
    ['symmetric relation swapped', 'Compare Vue and Svelte', 'Compare Svelte and Vue'],
    ['clause moved', 'In Go, how do I read a file?', 'How do I read a file in Go?'],
    ['same identifiers', 'What does `Promise.any` do?', 'Explain `Promise.any` please'],
    ['negation on both sides', 'Why is my build not failing?', "Why isn't my build failing?"],
    ['spelling variant', 'How do I organize my notes?', 'How do I organise my notes?'],
    ['synonym from the list', 'How do I fix a leaky tap?', 'How do I repair a leaky tap?'],
    ['entity in lower case', 'What is the history of Venice?', 'history of venice'],
  ])('%s', (_name, stored, query) => {
    expect(guardVerdict(query, stored)).toEqual({ pass: true });
  });
});

describe('guardVerdict on long prompts', () => {
  it('clips the detail of a rejection to 200 characters', () => {
    const stored = 'sum these: ' + Array.from({ length: 500 }, (_, i) => i).join(' ');
    const verdict = guardVerdict(`${stored} 1000`, stored);
    expect(verdict).toMatchObject({ pass: false, reason: 'numbers' });
    expect(verdict.pass === false && verdict.detail.length).toBe(200);
  });
});
