/**
 * Rows of plain objects as columns (one array per field; an all-number field as a
 * Float64Array), and back. `node:v8` deserializes 100k keys about twice as fast this way as
 * an array of objects (220-310 ms against 470-1,400 ms on the 2-core machine, 2026-12-01).
 */
export type Columns = Record<string, unknown[] | Float64Array>;

export function toColumns(rows: readonly object[]): Columns {
  const fields = new Set<string>();
  for (const row of rows) for (const field in row) fields.add(field);
  const columns: Columns = {};
  for (const field of fields) {
    const values = rows.map((row) => (row as Record<string, unknown>)[field]);
    columns[field] = values.every((v) => typeof v === 'number') ? Float64Array.from(values as number[]) : values;
  }
  return columns;
}

export function fromColumns<T>(columns: Columns, count: number): T[] {
  const fields = Object.entries(columns);
  for (const [field, values] of fields)
    if (values.length !== count) throw new Error(`column ${field}: ${values.length} rows, expected ${count}`);
  const rows = new Array<T>(count);
  for (let i = 0; i < count; i++) {
    const row: Record<string, unknown> = {};
    for (const [field, values] of fields) if (values[i] !== undefined) row[field] = values[i];
    rows[i] = row as T;
  }
  return rows;
}
