/**
 * Renders one value as a SQLite literal, for SQL that has to travel as text
 * (`wrangler d1 execute --command` takes no bound parameters). Every value from a flag goes
 * through here, so no input can end a string early or smuggle in a statement.
 */
export type SqlValue = string | number | null;

export function sqlLiteral(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    // NaN and Infinity have no SQLite literal; `String()` would print words SQLite reads as names.
    if (!Number.isFinite(value)) throw new RangeError(`${value} cannot be written as SQL`);
    return Object.is(value, -0) ? '0' : String(value);
  }
  // A NUL cannot cross the command line and SQLite's C API would cut the string there.
  if (value.includes('\u0000')) throw new RangeError('a SQL string cannot contain a NUL character');
  // Inside single quotes only the quote itself is special; doubling it is the SQL escape.
  return `'${value.replace(/'/g, "''")}'`;
}

/** Fills `?` placeholders in order: `bindSql('… WHERE id = ?', [id])`. Values are never scanned. */
export function bindSql(template: string, values: readonly SqlValue[]): string {
  const parts = template.split('?');
  if (parts.length - 1 !== values.length) {
    throw new RangeError(`${parts.length - 1} placeholders but ${values.length} values`);
  }
  return parts.reduce((out, part, i) => out + sqlLiteral(values[i - 1] ?? null) + part);
}
