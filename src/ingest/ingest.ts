import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, renameSync, statSync, writeSync, type BigIntStats } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/load.ts';
import type { PipelineDb } from '../db/database.ts';
import { ensureDataTables } from '../db/data-tables.ts';
import { runSqlFile, runSqlFileDoubles, sqlFileFragment } from '../db/sql-runner.ts';
import { InputError, errorMessage, SqlError } from '../errors.ts';
import { logger } from '../logger.ts';
import { sql } from 'kysely';
import { ingestSql, typedCsvColumns } from './checks.ts';
import { csvColumnsStruct, mapColumns, positionalName, textColumnsStruct, type ColumnMapping } from './columns.ts';
import { LINE_START_STRIDE, newlineText, scanCsv, type CsvScan, type Newline } from './csv-scan.ts';
import { removeTempFile, sweepStaleTempFiles, tempPath } from '../temp-files.ts';

export interface IngestOptions {
  force?: boolean;
  /** What made this batch: 'ingest' (a user's file), 'synthetic' (DEV bootstrap), 'prediction-input'. */
  origin?: string;
  /** A file ingested before (same checksum) is not refused: its earlier batch is returned (`reused: true`). */
  reuseIngested?: boolean;
}

export interface IngestResult {
  batchId: number;
  file: string;
  rowsRead: number;
  rowsAccepted: number;
  rowsQuarantined: number;
  rowsLabelled: number;
  hasTarget: boolean;
  /** The file was ingested before and that batch was returned (IngestOptions.reuseIngested). */
  reused?: boolean;
}

const STEP = 'ingest';
const TEMP_VIEWS = ['ingest_numbered'];
const TEMP_TABLES = ['ingest_duplicates', 'ingest_rejected', 'ingest_staging', 'ingest_line_map', 'ingest_rejects', 'ingest_reject_errors', 'ingest_reject_scans', 'ingest_gaps', 'ingest_reread'];

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** DuckDB's CSV reader rejects a longer record (LINE SIZE OVER MAXIMUM): its default, made explicit. */
const MAX_LINE_BYTES = 2 << 20;
/** DuckDB's default CSV buffer. A record longer than the buffer is lost without a reject, so the buffer is enlarged for it. */
const DEFAULT_BUFFER_BYTES = 32 << 20;
const MAX_BUFFER_BYTES = 1 << 30;

/** The CSV reader's buffer for this file: the default, or a power of two over twice the longest record. */
function readerBufferBytes(scan: CsvScan, file: string): number {
  const { bytes, line } = scan.longestRecord;
  if (bytes <= DEFAULT_BUFFER_BYTES / 2) return DEFAULT_BUFFER_BYTES;
  const buffer = 2 ** Math.ceil(Math.log2(2 * bytes + (1 << 20)));
  if (buffer > MAX_BUFFER_BYTES) {
    throw new InputError(`${file}: the record on line ${line} is ${(bytes / (1 << 20)).toFixed(0)} MB long, more than the CSV reader can hold (${MAX_BUFFER_BYTES / 2 / (1 << 20)} MB); nothing was ingested`, [
      'a record is one line of the file, or several when a quoted value holds line breaks: is a quote left open?',
    ]);
  }
  return buffer;
}

/** What identifies the file's content without reading it again: a change between the checksum pass and the load shows here. */
type FileIdentity = Pick<BigIntStats, 'dev' | 'ino' | 'size' | 'mtimeNs' | 'ctimeNs'>;

function fileIdentity(abs: string): FileIdentity | null {
  try {
    const s = statSync(abs, { bigint: true });
    return { dev: s.dev, ino: s.ino, size: s.size, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs };
  } catch {
    return null;
  }
}

/**
 * Refuses a file whose bytes may differ from the ones the checksum was taken of: replaced (another inode), written to
 * (size, modification or change time) or removed since the checksum pass. Runs after the load, before anything is
 * committed, so the checksum and size recorded are those of the bytes loaded.
 */
function checkUnchanged(abs: string, file: string, before: FileIdentity): void {
  const after = fileIdentity(abs);
  let changed: string | null = null;
  if (!after) changed = 'it was removed';
  else if (after.dev !== before.dev || after.ino !== before.ino) changed = 'it was replaced by another file';
  else if (after.size !== before.size) changed = `its size changed from ${before.size} to ${after.size} bytes`;
  else if (after.mtimeNs !== before.mtimeNs || after.ctimeNs !== before.ctimeNs) changed = 'it was written to';
  if (changed) {
    throw new InputError(`${file} changed while it was being ingested (${changed}); nothing was ingested`, [
      'ingest a file once it is complete: write it under another name and rename it when done',
    ]);
  }
}

/** Test hook (like PIPELINE_FAIL_STEP): PIPELINE_REPLACE_INPUT=<file> renames <file> over the input after the checksum pass. */
function replaceInputForTest(abs: string): void {
  const replacement = process.env.PIPELINE_REPLACE_INPUT;
  if (replacement) renameSync(replacement, abs);
}

function inputFormat(file: string): 'csv' | 'parquet' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  return 'csv';
}

/** Refuses, before anything is read into the database, a CSV file DuckDB's reader cannot read reliably. */
function checkCsvScan(scan: CsvScan, file: string): void {
  if (scan.mixedNewline) {
    const m = scan.mixedNewline;
    throw new InputError(`${file} mixes line endings: the header ends with ${newlineText(m.expected)} but line ${m.line} ends with ${newlineText(m.found)}`, [
      'the CSV reader needs one kind of line ending in a file: convert it (e.g. dos2unix, or save it again from the spreadsheet)',
    ]);
  }
  if (scan.records === 0) throw new InputError(`${file} has a header but no data rows`);
}

async function dropTemps(db: PipelineDb): Promise<void> {
  // the temp names are this module's own (TEMP_VIEWS, TEMP_TABLES)
  for (const v of TEMP_VIEWS) await runSqlFile(db, STEP, 'drop_temp_view', { slots: { name: sql.id('temp', v) } });
  for (const t of TEMP_TABLES) await runSqlFile(db, STEP, 'drop_temp_table', { slots: { name: sql.id('temp', t) } });
}

/**
 * The error for a batch that accepted no row (exit 3): its counts and its most frequent quarantine reasons. The batch
 * stays recorded with its quarantined rows (they say what is wrong); it does not stop the same file from being ingested again.
 */
export async function nothingAcceptedError(db: PipelineDb, r: IngestResult, file: string): Promise<InputError> {
  const top = await runSqlFile<{ n_rows: number; first_line: number; first_reason: string }>(db, STEP, 'quarantine_summary', { params: { batch_id: r.batchId, top: 3 } });
  const clip = (s: string) => (s.length > 200 ? `${s.slice(0, 199)}…` : s);
  return new InputError(`${file}: no row passed the contract: ${r.rowsRead} read, 0 accepted, ${r.rowsQuarantined} quarantined (batch ${r.batchId})`, [
    ...top.map((t) => (t.n_rows === 1 ? `1 row, line ${t.first_line}: ${clip(t.first_reason)}` : `${t.n_rows} rows like line ${t.first_line}: ${clip(t.first_reason)}`)),
    `every row and its reasons: pipeline sql "select source_row, reasons from quarantine where batch_id = ${r.batchId} order by source_row"`,
  ]);
}

/** The typed path cannot account for the file exactly: it gives way to the text path (same batch, nothing kept). */
class TypedPathUnusable extends Error {
  /** The batch id the typed path drew (sequences do not roll back): the text path uses it. */
  batchId: number | null = null;
}

let lastPath: 'typed' | 'text' | null = null;
/** Which path the last ingestFile in this process took (tests check that the typed path is taken where it should be). */
export const lastIngestPath = (): 'typed' | 'text' | null => lastPath;

/** Test hook: PIPELINE_INGEST_PATH=text makes every CSV take the text path (to compare the two paths' results). */
const textPathOnly = (): boolean => process.env.PIPELINE_INGEST_PATH === 'text';

function tempCsvPath(kind: string): string {
  return tempPath(`ingest-${kind}`, '.csv');
}

/**
 * Copies lines `lines` (physical line numbers, ascending) of `file` to `out`, under a header of positional names: the
 * records the typed path re-reads as text. Only used for files whose records are one line each (see CsvScan.numberedCopy).
 * It reads only the blocks of LINE_START_STRIDE lines that hold a wanted line, seeking to each block's start
 * (CsvScan.lineStarts; neighbouring blocks read together, up to READ_BYTES at a time): a few quarantined lines of a big
 * file cost a few reads, not a read of the whole file.
 */
function extractLines(file: string, lines: ArrayLike<number>, lineStarts: Float64Array, newline: Newline, columns: number, delimiter: string, out: string): void {
  const READ_BYTES = 1 << 20;
  const term = newline === 'CR' ? 0x0d : 0x0a;
  const nl = newline === 'LF' ? '\n' : newline === 'CRLF' ? '\r\n' : '\r';
  const fileBytes = statSync(file).size;
  const blockOf = (line: number) => Math.floor((line - 1) / LINE_START_STRIDE);
  const blockStart = (b: number) => (b < lineStarts.length ? lineStarts[b] : fileBytes);
  const fd = openSync(out, 'w');
  const input = openSync(file, 'r');
  try {
    const write = (buf: Buffer) => {
      let done = 0;
      while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
    };
    write(Buffer.from(Array.from({ length: columns }, (_, i) => positionalName(i)).join(delimiter) + nl, 'utf8'));
    let buf = Buffer.allocUnsafe(READ_BYTES);
    let w = 0;
    while (w < lines.length) {
      // the blocks first..last-1: the first wanted line's block, and the next ones as long as they are wanted and fit
      const first = blockOf(lines[w]);
      let last = first + 1;
      for (let j = w + 1; j < lines.length; j++) {
        const b = blockOf(lines[j]);
        if (b >= last + 1 || blockStart(b + 1) - blockStart(first) > READ_BYTES) break;
        last = b + 1;
      }
      const from = blockStart(first);
      const len = blockStart(last) - from;
      if (len > buf.length) buf = Buffer.allocUnsafe(len);
      let got = 0;
      while (got < len) {
        const n = readSync(input, buf, got, len - got, from + got);
        if (n === 0) throw new Error(`${file} ended at byte ${from + got}, before byte ${from + len} where the scan saw line ${last * LINE_START_STRIDE + 1} start: it changed during the ingest`);
        got += n;
      }
      let line = first * LINE_START_STRIDE + 1;
      const endLine = last * LINE_START_STRIDE + 1;
      let i = 0;
      while (i < len && w < lines.length && lines[w] < endLine) {
        const end = buf.indexOf(term, i);
        const stop = end < 0 || end >= len ? len : end + 1;
        if (line === lines[w]) {
          write(buf.subarray(i, stop));
          w++;
        }
        line++;
        i = stop;
      }
      // a wanted line the blocks did not reach: the file changed (or the offsets are wrong); never skip it silently
      if (w < lines.length && lines[w] < endLine) throw new Error(`line ${lines[w]} of ${file} is not where the scan saw it: the file changed during the ingest`);
    }
  } finally {
    closeSync(input);
    closeSync(fd);
  }
}

/** The file's record lines as intervals [lo, hi): one per line-map point (records are one line each on the typed path). */
function recordIntervals(scan: CsvScan): { lo: number; hi: number }[] {
  const m = scan.lineMap;
  return m.map((pt, i) => ({ lo: pt.p, hi: pt.p + ((i + 1 < m.length ? m[i + 1].k : scan.records) - pt.k) }));
}

interface BatchContext {
  db: PipelineDb;
  config: Config;
  abs: string;
  file: string;
  format: 'csv' | 'parquet';
  checksum: string;
  fileBytes: number;
  forced: boolean;
  origin: string;
  identity: FileIdentity;
}

/**
 * The typed path for a CSV file whose records are one line each: a typed parallel read_csv of the scan's numbered copy
 * inserts the accepted rows into raw_data (sql/ingest/typed_insert.sql); the lines it leaves out, and the rows that
 * repeat a key, are copied from the file and go through the text path's SQL for their reasons and raw values. The
 * result is the text path's: the same rows, line numbers, reasons and counts. Throws TypedPathUnusable (having undone
 * its inserts) when the re-read text does not reject exactly the lines the typed read left out.
 */
async function ingestTyped(ctx: BatchContext, scan: CsvScan, copy: string, mapping: ColumnMapping, bufferBytes: number): Promise<IngestResult> {
  const { db, config, abs, file } = ctx;
  const contract = config.contract;
  const typedTypes = typedCsvColumns(contract);
  const typed = new Set<string>();
  const csvTypes = scan.header.map((name) => {
    const t = typedTypes.get(name);
    if (t) typed.add(name);
    return t ?? 'VARCHAR';
  });
  const hasTarget = mapping.hasTarget;
  const typedParts = ingestSql(contract, hasTarget, typed);
  const textParts = ingestSql(contract, hasTarget);
  const now = new Date().toISOString();
  let extract: string | null = null;
  try {
    return await db.transaction(async () => {
      const [{ batch_id: batchId }] = await runSqlFile<{ batch_id: number }>(db, STEP, 'next_batch_id');
      try {
        await runSqlFile(db, STEP, 'typed_insert', {
          slots: { ...typedParts.slots, contract_columns: mapping.slots.contract_columns, csv_columns: csvColumnsStruct(csvTypes, [['__ingest_line', 'BIGINT']]) },
          params: {
            batch_id: batchId,
            path: copy,
            delimiter: contract.delimiter,
            date_format: contract.timeFormat ?? '%Y-%m-%d',
            max_line_size: MAX_LINE_BYTES,
            buffer_size: bufferBytes,
          },
        });
        // the copy holds the bytes checksummed; a file changed since is refused as on the text path
        checkUnchanged(abs, file, ctx.identity);
        const [{ n: inserted }] = await runSqlFile<{ n: number }>(db, STEP, 'typed_inserted', { params: { batch_id: batchId } });
        if (inserted > scan.records) throw new TypedPathUnusable(`the typed read gave ${inserted} rows for ${scan.records} records`);
        if (inserted < scan.records) {
          await runSqlFile(db, STEP, 'typed_gaps', { params: { batch_id: batchId, intervals: JSON.stringify(recordIntervals(scan)) } });
        }
        else await runSqlFile(db, STEP, 'typed_no_gaps');
        const [{ n: gaps }] = await runSqlFile<{ n: number }>(db, STEP, 'gap_count');
        if (inserted + gaps !== scan.records) throw new TypedPathUnusable(`${inserted} rows and ${gaps} missing lines for ${scan.records} records`);
        await runSqlFile(db, STEP, 'duplicate_rows', { slots: { key_names: typedParts.slots.key_names }, params: { batch_id: batchId } });
        const [{ n: duplicates }] = await runSqlFile<{ n: number }>(db, STEP, 'duplicate_count');
        if (gaps + duplicates > 0) {
          // the missing lines (for their reasons) and the repeated keys (for their raw values), as text
          await runSqlFile(db, STEP, 'typed_reread');
          // read as a typed array: there may be millions (a file whose rows break a rule in large numbers)
          const { line: lines } = await runSqlFileDoubles(db, STEP, 'typed_reread_lines');
          extract = tempCsvPath('reread');
          try {
            extractLines(abs, lines, scan.lineStarts!, scan.newline, scan.header.length, contract.delimiter, extract);
          } finally {
            // a file changed since its scan is reported as such (extractLines may have failed on it first)
            checkUnchanged(abs, file, ctx.identity);
          }
          await runSqlFile(db, STEP, 'staging_from_csv', {
            slots: { columns: textColumnsStruct(scan.header.length) },
            params: { path: extract, delimiter: contract.delimiter, skip: 0, max_line_size: MAX_LINE_BYTES, buffer_size: bufferBytes },
          });
          // extract record k is ingest_reread's line of index k: no line map
          await runSqlFile(db, STEP, 'typed_reread_rejects', { slots: { reject_records: sqlFileFragment(STEP, 'reject_records') } });
          await runSqlFile(db, STEP, 'typed_reread_numbered', { slots: mapping.slots });
          await runSqlFile(db, STEP, 'validated_rows', { slots: { ...textParts.slots, raw_values: mapping.slots.raw_values } });
          const [check] = await runSqlFile<{ gaps: number; rejected: number; gaps_rejected: number; dense: boolean }>(db, STEP, 'typed_reread_check');
          if (!check.dense) throw new TypedPathUnusable('the re-read rows are not numbered densely');
          if (check.rejected !== gaps || check.gaps_rejected !== gaps) {
            throw new TypedPathUnusable(`of ${gaps} lines the typed read left out, the text rules reject ${check.gaps_rejected} (and ${check.rejected - check.gaps_rejected} others)`);
          }
        }
        return await finishBatch(ctx, {
          batchId,
          now,
          hasTarget,
          sqlParts: textParts,
          mapping,
          rowsRead: scan.records,
          rowsRejected: gaps,
          duplicates,
          hasRejects: gaps > 0,
        });
      } catch (err) {
        if (err instanceof TypedPathUnusable) {
          err.batchId = batchId;
          await runSqlFile(db, STEP, 'typed_undo', { params: { batch_id: batchId } });
        }
        throw err;
      }
    });
  } finally {
    if (extract) removeTempFile(extract);
  }
}

interface BatchRows {
  batchId: number;
  now: string;
  hasTarget: boolean;
  sqlParts: ReturnType<typeof ingestSql>;
  mapping: ColumnMapping;
  rowsRead: number;
  /** Rows quarantined before the duplicate check: rules broken and malformed records. */
  rowsRejected: number;
  duplicates: number;
  /** ingest_rejected and ingest_rejects exist (the typed path makes them only when it re-reads lines). */
  hasRejects: boolean;
}

/**
 * The end of a batch, inside its transaction, once raw_data holds its accepted rows and ingest_duplicates the rows
 * that repeat a key: the duplicates to quarantine, older rows superseded, the rejected rows to quarantine, and the
 * batch's row in ingest_batches.
 */
async function finishBatch(ctx: BatchContext, b: BatchRows): Promise<IngestResult> {
  const { db } = ctx;
  const { batchId, now, sqlParts, mapping } = b;
  if (b.duplicates > 0) {
    await runSqlFile(db, STEP, 'quarantine_duplicates', {
      slots: { raw_values: mapping.slots.raw_values },
      params: { batch_id: batchId, key_label: sqlParts.params.key_label, now },
    });
    await runSqlFile(db, STEP, 'delete_duplicates', { params: { batch_id: batchId } });
  }
  const [{ any_older: anyOlder }] = b.hasTarget ? await runSqlFile<{ any_older: boolean }>(db, STEP, 'older_rows', { slots: sqlParts.slots, params: { batch_id: batchId } }) : [{ any_older: false }];
  if (anyOlder) {
    await runSqlFile(db, STEP, 'supersede_older_rows', { slots: { ...sqlParts.slots, key_columns: sqlParts.slots.key_names }, params: { batch_id: batchId } });
  }
  if (b.hasRejects) {
    await runSqlFile(db, STEP, 'insert_quarantine_rows', { params: { batch_id: batchId, now } });
    await runSqlFile(db, STEP, 'insert_quarantine_rejects', { params: { batch_id: batchId, now } });
  }
  const [summary] = await runSqlFile<{ rows_labelled: number; min_time: string | null; max_time: string | null }>(db, STEP, 'batch_summary', { slots: sqlParts.slots, params: { batch_id: batchId } });
  const rowsQuarantined = b.rowsRejected + b.duplicates;
  const rowsAccepted = b.rowsRead - rowsQuarantined;
  await runSqlFile(db, STEP, 'insert_batch', {
    params: {
      batch_id: batchId,
      source_file: ctx.abs,
      file_format: ctx.format,
      checksum: ctx.checksum,
      file_bytes: ctx.fileBytes,
      rows_read: b.rowsRead,
      rows_accepted: rowsAccepted,
      rows_quarantined: rowsQuarantined,
      has_target: b.hasTarget,
      rows_labelled: summary.rows_labelled,
      min_time: summary.min_time,
      max_time: summary.max_time,
      forced: ctx.forced,
      origin: ctx.origin,
      now,
    },
  });
  return {
    batchId,
    file: ctx.abs,
    rowsRead: b.rowsRead,
    rowsAccepted,
    rowsQuarantined,
    rowsLabelled: summary.rows_labelled,
    hasTarget: b.hasTarget,
  };
}

/**
 * Loads a CSV or Parquet file as one batch: accepted rows into raw_data, every other row into quarantine
 * with its reasons, and a row in ingest_batches. read = accepted + quarantined, always. A file that
 * cannot be used at all is refused whole and the database is left as it was.
 */
export async function ingestFile(db: PipelineDb, config: Config, file: string, options: IngestOptions = {}): Promise<IngestResult> {
  sweepStaleTempFiles({ say: (note) => logger.info(note) });
  // the scan's numbered copy of a CSV file, for the typed path; removed whatever happens
  const copy = inputFormat(file) === 'csv' && !textPathOnly() ? tempCsvPath('numbered') : undefined;
  try {
    return await ingestFileWith(db, config, file, options, copy);
  } finally {
    if (copy) removeTempFile(copy);
  }
}

async function ingestFileWith(db: PipelineDb, config: Config, file: string, options: IngestOptions, copy: string | undefined): Promise<IngestResult> {
  const contract = config.contract;
  const abs = path.resolve(file);
  let stat;
  try {
    stat = statSync(abs);
  } catch {
    throw new InputError(`input file not found: ${file}`);
  }
  if (stat.isDirectory()) throw new InputError(`${file} is a directory, not a data file`);
  if (!stat.isFile()) throw new InputError(`${file} is not a regular file`);
  if (stat.size === 0) throw new InputError(`${file} is empty (0 bytes)`);
  const identity = fileIdentity(abs);
  if (!identity) throw new InputError(`input file not found: ${file}`);
  const format = inputFormat(abs);
  // CSV: one pass reads the checksum, the header and where records start, and refuses what is not UTF-8 CSV text.
  const scan = format === 'csv' ? await scanCsv(abs, file, contract.delimiter, { numberedCopy: copy }) : null;
  const checksum =
    scan?.sha256 ??
    (await sha256File(abs).catch((err: unknown) => {
      throw new InputError(`cannot read ${file}: ${errorMessage(err)}`, [], { cause: err });
    }));
  const previous = await runSqlFile<{ batch_id: number; source_file: string; ingested_at: string; rows_read: number; rows_accepted: number; rows_quarantined: number; rows_labelled: number; has_target: boolean }>(
    db, STEP, 'find_checksum', { params: { checksum } },
  );
  if (previous.length && options.reuseIngested && !options.force) {
    const b = previous[0];
    logger.info(`${file} was ingested before as batch ${b.batch_id} (${b.ingested_at}): using that batch`);
    return { batchId: b.batch_id, file: abs, rowsRead: b.rows_read, rowsAccepted: b.rows_accepted, rowsQuarantined: b.rows_quarantined, rowsLabelled: b.rows_labelled, hasTarget: b.has_target, reused: true };
  }
  if (previous.length && !options.force) {
    throw new InputError(`${file} was already ingested as batch ${previous[0].batch_id} (${previous[0].source_file}, ${previous[0].ingested_at}); use --force to ingest it again`);
  }
  if (scan) checkCsvScan(scan, file);
  const bufferBytes = scan ? readerBufferBytes(scan, file) : 0;
  await ensureDataTables(db, contract);
  await dropTemps(db);
  const ctx: BatchContext = { db, config, abs, file, format, checksum, fileBytes: stat.size, forced: Boolean(options.force && previous.length), origin: options.origin ?? 'ingest', identity };
  try {
    // CSV: the header decides the columns before anything is read, so a file without the contract's columns is refused at once.
    const csvMapping = scan ? mapColumns(contract, scan.header, file, 'csv') : null;
    replaceInputForTest(abs);
    if (scan?.numberedCopy && csvMapping) {
      try {
        const out = await ingestTyped(ctx, scan, scan.numberedCopy, csvMapping, bufferBytes);
        lastPath = 'typed';
        logIngested(file, out);
        return out;
      } catch (err) {
        if (!(err instanceof TypedPathUnusable)) throw err;
        logger.debug(`${file}: the typed read cannot account for the file (${err.message}); reading it as text`);
        await dropTemps(db);
        return await ingestText(ctx, scan, csvMapping, bufferBytes, err.batchId);
      }
    }
    return await ingestText(ctx, scan, csvMapping, bufferBytes, null);
  } finally {
    await dropTemps(db).catch(() => undefined);
  }
}

function logIngested(file: string, out: IngestResult): void {
  logger.info(`ingested ${file} as batch ${out.batchId}: ${out.rowsRead} read, ${out.rowsAccepted} accepted, ${out.rowsQuarantined} quarantined${out.hasTarget ? '' : ' (no target column)'}`);
}

/**
 * The text path: the file staged as text (every column VARCHAR, in file order, numbered by its staged rowid), every
 * rule checked on the text in one pass, the accepted rows parsed into raw_data. Parquet files, gzip files and CSV files
 * with records over several lines take it, as does a file the typed path cannot account for.
 */
async function ingestText(ctx: BatchContext, scan: CsvScan | null, csvMapping: ColumnMapping | null, bufferBytes: number, drawnBatchId: number | null): Promise<IngestResult> {
  const { db, config, abs, file, format } = ctx;
  const contract = config.contract;
  try {
    if (scan) {
      await runSqlFile(db, STEP, 'staging_from_csv', {
        slots: { columns: textColumnsStruct(scan.header.length) },
        params: { path: abs, delimiter: contract.delimiter, skip: scan.skipLines, max_line_size: MAX_LINE_BYTES, buffer_size: bufferBytes },
      });
    } else {
      await runSqlFile(db, STEP, 'staging_from_parquet', { params: { path: abs } });
    }
  } catch (err) {
    const cause = errorMessage(err instanceof SqlError && err.cause ? err.cause : err).split('\n')[0];
    throw new InputError(`cannot read ${file} as ${format.toUpperCase()}: ${cause}`, [], { cause: err });
  }
  // the file is not read again: from here on the batch is what was staged
  checkUnchanged(abs, file, ctx.identity);
  const mapping = csvMapping ?? mapColumns(contract, (await runSqlFile<{ name: string }>(db, STEP, 'staging_columns')).map((r) => r.name), file, 'parquet');
  const hasTarget = mapping.hasTarget;
  // Parquet rows have no lines: row i is numbered i + 2, as if under a header line, like a CSV of the same rows.
  const lineMap = scan ? scan.lineMap : [{ k: 0, d: 2, p: 2 }];
  await runSqlFile(db, STEP, 'line_map', { params: { points: JSON.stringify(lineMap) } });
  if (scan) {
    await runSqlFile(db, STEP, 'csv_rejects', { slots: { reject_records: sqlFileFragment(STEP, 'reject_records') }, params: { unclosed_quote_line: scan.unclosedQuoteLine, last_line: scan.lines } });
  } else {
    await runSqlFile(db, STEP, 'empty_rejects');
  }
  const [{ n: malformed }] = await runSqlFile<{ n: number }>(db, STEP, 'reject_count');
  // Record k is on line k + constant unless a malformed record, a blank line or a quoted line break shifts it.
  const simple = malformed === 0 && lineMap.length <= 1;
  if (simple) {
    await runSqlFile(db, STEP, 'numbered_rows_simple', { slots: mapping.slots });
  } else {
    await runSqlFile(db, STEP, 'numbered_rows', { slots: mapping.slots });
  }
  const sqlParts = ingestSql(contract, hasTarget);
  // One pass over the staged text: the rows that break a rule, with their reasons and raw values.
  await runSqlFile(db, STEP, 'validated_rows', { slots: { ...sqlParts.slots, raw_values: mapping.slots.raw_values } });
  const [counts] = await runSqlFile<{ rows_read: number; rows_rejected: number }>(db, STEP, 'batch_counts');
  if (counts.rows_read === 0) throw new InputError(format === 'csv' ? `${file} has a header but no data rows` : `${file} has no rows`);
  // read = accepted + quarantined is checked against the file: every record the scan counted must be a staged row or a reject
  if (scan && counts.rows_read !== scan.records) {
    throw new InputError(`${file}: the file holds ${scan.records} records but the CSV reader accounted for ${counts.rows_read} (rows and rejects); nothing was ingested`, [
      `the longest record starts on line ${scan.longestRecord.line} (${scan.longestRecord.bytes} bytes)`,
      'this is a disagreement between the pipeline\'s count of the file and DuckDB\'s reader: please report it with the file',
    ]);
  }
  const now = new Date().toISOString();
  const out = await db.transaction(async () => {
    const batchId = drawnBatchId ?? (await runSqlFile<{ batch_id: number }>(db, STEP, 'next_batch_id'))[0].batch_id;
    await runSqlFile(db, STEP, 'insert_raw_data', {
      slots: {
        ...sqlParts.slots,
        // the staged rows are in file order; only the line-map joins of the general case need a sort
        // the same test that picked ingest_rejected, negated: a filter keeps file order (a join with ingest_rejected would not)
        accepted_filter: counts.rows_rejected > malformed ? sql`where not ${sqlParts.slots.any_broken}` : sql``,
        file_order: simple ? sql`` : sql`order by source_row`,
      },
      params: { batch_id: batchId },
    });
    await runSqlFile(db, STEP, 'duplicate_rows', {
      slots: { key_names: sqlParts.slots.key_names },
      params: { batch_id: batchId },
    });
    const [{ n: duplicates }] = await runSqlFile<{ n: number }>(db, STEP, 'duplicate_count');
    return finishBatch(ctx, { batchId, now, hasTarget, sqlParts, mapping, rowsRead: counts.rows_read, rowsRejected: counts.rows_rejected, duplicates, hasRejects: true });
  });
  lastPath = 'text';
  logIngested(file, out);
  return out;
}
