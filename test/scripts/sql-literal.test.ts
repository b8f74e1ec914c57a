import { describe, expect, it } from 'vitest';
import { bindSql, sqlLiteral } from '../../scripts/lib/sql-literal';

/** One SQL string token: quotes inside only ever come doubled. */
const singleStringToken = /^'(?:[^']|'')*'$/;
const unquote = (literal: string) => literal.slice(1, -1).replace(/''/g, "'");

describe('sqlLiteral', () => {
  it.each([
    ['null', null, 'NULL'],
    ['an integer', 42, '42'],
    ['a negative integer', -7, '-7'],
    ['a decimal', 12.5, '12.5'],
    ['negative zero', -0, '0'],
    ['a huge number', 1e21, '1e+21'],
    ['a plain string', 'acme', "'acme'"],
    ['an empty string', '', "''"],
    ['a quote inside a word', "O'Reilly", "'O''Reilly'"],
    ['a string of quotes', "''", "''''''"],
    ['a question mark', '?', "'?'"],
    ['unicode', '名前 💥', "'名前 💥'"],
  ])('renders %s', (_case, value, expected) => {
    expect(sqlLiteral(value)).toBe(expected);
  });

  it.each([
    "'); DROP TABLE api_keys;--",
    "x' OR '1'='1",
    "a\\' OR 1=1 --",
    "'; UPDATE api_keys SET status = 'active' WHERE '' = '",
    'line one\nline two; DELETE FROM tenants;',
    '/* comment */ SELECT key_hash FROM api_keys',
    "\u2019 smart quote ' and a real one",
  ])('keeps the hostile string %j one inert string token', (hostile) => {
    const literal = sqlLiteral(hostile);
    expect(literal).toMatch(singleStringToken);
    expect(unquote(literal)).toBe(hostile);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['a string with a NUL', 'a\u0000b'],
  ])('refuses %s, which has no SQL literal', (_case, value) => {
    expect(() => sqlLiteral(value)).toThrow(RangeError);
  });
});

describe('bindSql', () => {
  it('fills placeholders in order with literals', () => {
    expect(bindSql('UPDATE t SET a = ?, b = ? WHERE id = ?;', ["it's", null, 3])).toBe(
      "UPDATE t SET a = 'it''s', b = NULL WHERE id = 3;",
    );
  });

  it('never treats a question mark inside a value as a placeholder', () => {
    expect(bindSql('SELECT ?, ?;', ['?', 1])).toBe("SELECT '?', 1;");
  });

  it.each([
    ['too few values', 'SELECT ?, ?;', [1]],
    ['too many values', 'SELECT ?;', [1, 2]],
  ])('refuses %s', (_case, template, values) => {
    expect(() => bindSql(template, values)).toThrow(/placeholders/);
  });
});
