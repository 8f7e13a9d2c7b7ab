import { parse as parseCsv } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { RefusedError } from './errors';

/** The seed's table, and the optional columns an import adds. */
const CSV_COLUMNS = ['key', 'key_sha256', 'alias', 'name', 'roles', 'expire', 'is_active', 'owner', 'meta'];

export interface ImportRows {
  /** One raw item per record, in file order; undefined where the record could not be read. */
  rows: unknown[];
  /** Why a record could not be read, by row index. */
  unreadable: Map<number, string>;
  /** The file's line number of a row, for messages. */
  lineOf(index: number): number;
}

function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function rolesOf(text: string): unknown {
  if (text.startsWith('[')) return jsonOrText(text);
  return text.split(/[\s,]+/).filter(Boolean);
}

function booleanOf(text: string): unknown {
  const lower = text.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  return text;
}

/** A CSV record as an import item: empty cells are absent, roles and flags read as the seed wrote them. */
function fromCsv(record: Record<string, string>): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  for (const [column, raw] of Object.entries(record)) {
    const text = raw.trim();
    if (text === '' && column !== 'roles') continue;
    if (column === 'roles') item.roles = rolesOf(text);
    else if (column === 'is_active') item.is_active = booleanOf(text);
    else if (column === 'meta') item.meta = jsonOrText(text);
    else item[column] = text;
  }
  return item;
}

function readCsv(text: string): ImportRows {
  let records: Record<string, string>[];
  try {
    records = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true, relax_column_count: false });
  } catch (error) {
    throw new RefusedError(`not a readable CSV file: ${(error as Error).message}`);
  }
  const header = Object.keys(records[0] ?? {});
  const unknown = header.filter((c) => !CSV_COLUMNS.includes(c));
  if (unknown.length > 0) throw new RefusedError(`unknown CSV column(s): ${unknown.join(', ')}`);
  return { rows: records.map(fromCsv), unreadable: new Map(), lineOf: (i) => i + 2 };
}

function readJsonLines(text: string): ImportRows {
  const rows: unknown[] = [];
  const lines: number[] = [];
  const unreadable = new Map<number, string>();
  text.split(/\r?\n/).forEach((line, n) => {
    if (line.trim() === '') return;
    lines.push(n + 1);
    try {
      rows.push(JSON.parse(line));
    } catch {
      unreadable.set(rows.length, 'not valid JSON');
      rows.push(undefined);
    }
  });
  return { rows, unreadable, lineOf: (i) => lines[i] ?? 0 };
}

/** JSON lines, or CSV (a .csv file) with a header row. */
export function readImportFile(path: string, format?: string): ImportRows {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RefusedError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const csv = (format ?? (extname(path).toLowerCase() === '.csv' ? 'csv' : 'jsonl')) === 'csv';
  return csv ? readCsv(text) : readJsonLines(text);
}
