/** RFC 4180 CSV: a header of the columns, values quoted when they hold a comma, quote or newline. */
export function toCsv(
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
): string {
  const cell = (value: unknown): string => {
    if (value === null || value === undefined) return '';
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return (
    [columns.join(','), ...rows.map((row) => columns.map((c) => cell(row[c])).join(','))].join(
      '\r\n',
    ) + '\r\n'
  );
}

/** The columns of a result, in order; an empty result has none. */
export function columnsOf(rows: readonly Record<string, unknown>[]): string[] {
  return rows[0] === undefined ? [] : Object.keys(rows[0]);
}
