import { resolve } from 'node:path';
import { IMPORT_BATCH_MAX, importKeys, type ImportError } from '../../../infrastructure/commands/keyImport';
import { parseImportItems } from '../../http/lifecycleSchemas';
import type { CliCommand } from '../command';
import { UsageError } from '../errors';
import { readImportFile } from '../importFile';

/** Errors listed after the summary (all of them with --json). */
const ERRORS_SHOWN = 20;

function progressBar(done: number, total: number): string {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} keys`;
}

/** npm runs scripts from the package directory; a relative FILE means the caller's directory. */
function callerPath(file: string): string {
  const base = process.env.npm_lifecycle_event && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
  return resolve(base, file);
}

export const importCommand: CliCommand = {
  name: 'import',
  summary: 'Import existing keys from a JSON lines or CSV file.',
  args: '<file>',
  options: {
    format: { type: 'string', value: 'jsonl|csv', help: 'the file format (default: csv for a .csv file, else jsonl)' },
  },
  details: `JSON lines: one object per line, {alias, name, roles?, key? | key_sha256?, expire?, is_active?, owner?,
meta?}, exactly one of key (plaintext) or key_sha256 (hex). CSV: a header row with the seed table's columns,
key, alias, name, roles, expire, is_active (roles as "admin,user" or a JSON list; is_active 1/0 or true/false;
expire ISO-8601, UTC when it has no zone), and optionally key_sha256, owner, meta.
An alias that already holds the same key is skipped (a re-run is harmless); one holding another key is an error,
never an overwrite. Shows a progress bar on a terminal and a summary at the end; exit code 1 when any record
was refused. With --json: {imported, skipped, errors: [{index, line, error}]}.`,
  async run({ io, json, ledger, origin }, { values, positionals }) {
    const format = values.format;
    if (format !== undefined && format !== 'jsonl' && format !== 'csv')
      throw new UsageError('--format must be jsonl or csv', 'import');
    const file = readImportFile(callerPath(positionals[0]!), format);
    const { keys } = await ledger();
    const started = Date.now();
    const showProgress = !json && process.stderr.isTTY === true;
    const total = { imported: 0, skipped: 0, errors: [] as ImportError[] };
    for (const [index, error] of file.unreadable) total.errors.push({ index, error });
    for (let first = 0; first < file.rows.length; first += IMPORT_BATCH_MAX) {
      const chunk = file.rows.slice(first, first + IMPORT_BATCH_MAX);
      const parsed = parseImportItems(chunk, first);
      const readable = parsed.errors.filter((e) => !file.unreadable.has(e.index));
      const report = await importKeys(keys, parsed.items, origin);
      total.imported += report.imported;
      total.skipped += report.skipped;
      total.errors.push(...readable, ...report.errors);
      if (showProgress) process.stderr.write(progressBar(first + chunk.length, file.rows.length));
    }
    if (showProgress) process.stderr.write('\n');
    const errors = total.errors
      .sort((a, b) => a.index - b.index)
      .map((e) => ({ index: e.index, line: file.lineOf(e.index), error: e.error }));
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (json) io.out(JSON.stringify({ imported: total.imported, skipped: total.skipped, errors }, null, 2));
    else {
      io.out(
        `Imported ${total.imported}, skipped ${total.skipped} (already there), ${errors.length} refused, of ${file.rows.length} records in ${seconds} s.`,
      );
      for (const e of errors.slice(0, ERRORS_SHOWN)) io.out(`  line ${e.line}: ${e.error}`);
      if (errors.length > ERRORS_SHOWN) io.out(`  ... and ${errors.length - ERRORS_SHOWN} more (--json lists all)`);
    }
    return errors.length > 0 ? 1 : 0;
  },
};
