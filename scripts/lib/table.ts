/** A value as a person reads it: scalars as themselves, anything else as JSON. */
export function displayValue(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : JSON.stringify(value);
}

export interface Column {
  key: string;
  label: string;
}

/** Prints rows as an aligned text table; numbers right-aligned, missing values as '-'. */
export function formatTable(rows: readonly object[], columns: readonly Column[]): string {
  const cell = (value: unknown) =>
    value === null || value === undefined ? '-' : displayValue(value);
  const get = (row: object, key: string): unknown => (row as Record<string, unknown>)[key];
  const widths = columns.map((c) =>
    Math.max(c.label.length, ...rows.map((r) => cell(get(r, c.key)).length)),
  );
  const numeric = columns.map((c) => rows.some((r) => typeof get(r, c.key) === 'number'));
  const line = (values: unknown[]) =>
    values
      .map((v, i) =>
        numeric[i] ? cell(v).padStart(widths[i] ?? 0) : cell(v).padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((c) => c.label)),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => get(r, c.key)))),
  ].join('\n');
}
