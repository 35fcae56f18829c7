/**
 * Bad input: every kind of broken file, given to ingestion (`pipeline ingest`) and to a prediction run that ingests it
 * (`pipeline run --type PREDICTION_PIPELINE --input`). Each is either refused whole (InputError, exit 3, a message
 * naming the file and the problem, the database unchanged) or loaded with the broken rows quarantined with the right
 * reason at the right file line — and rows read = accepted + quarantined, in ingest_batches and in the tables.
 *
 * The suite calls the functions the two commands call (ingestFile, runPredictionPipeline) in-process, on real DuckDB
 * files; a few cases then go through the CLI itself to check the exit codes and stderr. Bad config files are at the end.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Config } from '../../../src/config/load.ts';
import type { PipelineDb } from '../../../src/db/database.ts';
import { quoteLiteral } from '../../../src/db/sql-text.ts';
import { InputError } from '../../../src/errors.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { runPredictionPipeline } from '../../../src/pipelines/prediction.ts';
import { runTrainingPipeline } from '../../../src/pipelines/training.ts';
import { PROJECT_ROOT, configWith, csvText, defaultConfig, defaultHeader, defaultRow, generateFile, rawDefaultConfig, useTmpDir, withDb, writeYaml } from '../../support/helpers.ts';
import { copyDb, counts, explain, invariantViolations, one, openLikeCli, startCli, type Exited } from './support.ts';

// ---------------------------------------------------------------------------------------------
// The cases

type Expected =
  | { error: RegExp; details?: RegExp }
  | {
      read: number;
      accepted: number;
      quarantined: number;
      /** [file line, reason] of each quarantined row. */
      reasons?: [number, RegExp][];
      /** File lines of the accepted rows, in order. */
      lines?: number[];
      labelled?: number;
      hasTarget?: boolean;
    };

interface Case {
  name: string;
  /** Writes the file into `dir` and returns its path (or returns a path that must not be written). */
  make: (dir: string) => string | Promise<string>;
  expect: Expected;
  /**
   * Give the file to a prediction run too. Default: yes for a refused file and for one whose every row is quarantined
   * (the run must not start); for the other quarantine cases only where marked — the run ingests with the same code,
   * so a few kinds of each family show that it scores the accepted rows and only them.
   */
  predict?: boolean;
  /** Something to do on the ingest database before the case (e.g. ingest the same file once). */
  setup?: (db: PipelineDb, file: string) => Promise<void>;
}

const FIXTURES = path.join(PROJECT_ROOT, 'tests/fixtures/bad-input');
const H = defaultHeader();
/** A good row with its own key. */
const good = (i: number, o: Record<string, string | number | null> = {}) => defaultRow({ facility_id: `G${i}`, date: '2024-03-01', ...o });
/** CSV text of the header and rows (each row a list of fields, or a raw line of text). */
const text = (rows: ((string | number | null)[] | string)[], header: readonly string[] = H, nl = '\n'): string =>
  [header.join(','), ...rows.map((r) => (typeof r === 'string' ? r : csvText(H, [r]).split('\n')[1]))].join(nl) + nl;
const line = (r: (string | number | null)[]) => csvText(H, [r]).split('\n')[1];

let seq = 0;
const put = (dir: string, ext: string, content: string | Buffer) => {
  const f = path.join(dir, `case-${++seq}${ext}`);
  writeFileSync(f, content);
  return f;
};
const csv = (content: string | Buffer) => (dir: string) => put(dir, '.csv', content);

/** Deterministic pseudo-random bytes. */
function noise(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    b[i] = x >> 16;
  }
  return b;
}

async function parquet(file: string, select: string): Promise<string> {
  await withDb((db) => db.exec(`copy (${select}) to ${quoteLiteral(file)} (format parquet)`), { migrate: false });
  return file;
}

const goodSelect = (i: number, o: Record<string, string> = {}) => {
  const r: Record<string, string> = { facility_id: `'P${i}'`, date: "'2024-03-01'", region: "'Lazio'", sector: "'energy'", temperature_c: '12.5', energy_mwh: '150', renewable_share: '0.25', activity_index: '100', fuel_price_eur_mwh: '80', co2_tonnes: '65.5', ...o };
  return `select ${Object.entries(r).map(([k, v]) => `${v} as ${k}`).join(', ')}`;
};

const CASES: Case[] = [
  // --- columns
  { name: 'a required column is missing', make: csv(text([good(1).filter((_, i) => H[i] !== 'sector')], H.filter((h) => h !== 'sector'))), expect: { error: /lacks required column sector$/ } },
  { name: 'several required columns are missing', make: csv('facility_id,date\nG1,2024-03-01\n'), expect: { error: /lacks required columns region, sector, temperature_c/ } },
  { name: 'the target column is missing: an unlabelled batch', predict: true, make: csv(text([good(1).slice(0, -1), good(2).slice(0, -1)], H.slice(0, -1))), expect: { read: 2, accepted: 2, quarantined: 0, labelled: 0, hasTarget: false } },
  { name: 'an extra column is ignored', make: csv(text([[...good(1), 'x'], [...good(2), 'y']], [...H, 'comment'])), expect: { read: 2, accepted: 2, quarantined: 0, labelled: 2 } },
  { name: 'a renamed column (temp_c)', make: csv(text([good(1)], H.map((h) => (h === 'temperature_c' ? 'temp_c' : h)))), expect: { error: /lacks required column temperature_c$/ } },
  {
    name: 'a column renamed by case (Region)',
    make: csv(text([good(1)], H.map((h) => (h === 'region' ? 'Region' : h)))),
    expect: { error: /lacks required column region$/, details: /the file has 'Region' where the contract names 'region': column names are case-sensitive/ },
  },
  { name: 'a renamed target (co2): loaded unlabelled, with a warning', make: csv(text([good(1)], H.map((h) => (h === 'co2_tonnes' ? 'co2' : h)))), expect: { read: 1, accepted: 1, quarantined: 0, labelled: 0, hasTarget: false } },
  { name: 'the same column twice in the header', make: csv(text([[...good(1), 'Lazio']], [...H, 'region'])), expect: { error: /two columns with the same name: 'region' \(column 3\) and 'region' \(column 11\)/ } },
  { name: 'the same column twice, differing in case', make: csv(text([[...good(1), 'x']], [...H, 'SECTOR'])), expect: { error: /same name: 'sector' \(column 4\) and 'SECTOR' \(column 11\)/ } },

  // --- values
  { name: 'text in a numeric column', predict: true, make: csv(text([good(1), good(2, { temperature_c: 'warm' }), good(3)])), expect: { read: 3, accepted: 2, quarantined: 1, reasons: [[3, /^temperature_c: not a number \(warm\)$/]], lines: [2, 4] } },
  { name: 'NaN', make: csv(text([good(1), good(2, { energy_mwh: 'NaN' })])), expect: { read: 2, accepted: 1, quarantined: 1, reasons: [[3, /^energy_mwh: not a finite number \(NaN\)$/]] } },
  { name: 'Infinity and -inf', make: csv(text([good(1, { activity_index: 'Infinity' }), good(2, { fuel_price_eur_mwh: '-inf' }), good(3)])), expect: { read: 3, accepted: 1, quarantined: 2, reasons: [[2, /^activity_index: not a finite number \(Infinity\)$/], [3, /^fuel_price_eur_mwh: not a finite number \(-inf\)$/]] } },
  { name: 'NA and null as numbers', make: csv(text([good(1, { energy_mwh: 'NA' }), good(2, { renewable_share: 'null' }), good(3)])), expect: { read: 3, accepted: 1, quarantined: 2, reasons: [[2, /^energy_mwh: not a number \(NA\)$/], [3, /^renewable_share: not a number \(null\)$/]] } },
  { name: 'an empty field in a required column', make: csv(text([good(1, { energy_mwh: '' }), good(2)])), expect: { read: 2, accepted: 1, quarantined: 1, reasons: [[2, /^energy_mwh: missing value$/]] } },
  { name: 'a quoted empty string and blanks in required columns', make: csv(text([line(good(1)).replace(',Lazio,', ',"",'), good(2, { sector: '   ' }), good(3)])), expect: { read: 3, accepted: 1, quarantined: 2, reasons: [[2, /^region: missing value$/], [3, /^sector: missing value$/]] } },
  { name: 'an empty target: the row is unlabelled, not rejected', make: csv(text([good(1, { co2_tonnes: '' }), good(2)])), expect: { read: 2, accepted: 2, quarantined: 0, labelled: 1 } },
  { name: 'a negative target', make: csv(text([good(1, { co2_tonnes: -5 }), good(2)])), expect: { read: 2, accepted: 1, quarantined: 1, reasons: [[2, /^co2_tonnes: below the minimum 0 \(-5\)$/]] } },
  { name: 'an absurd target', make: csv(text([good(1), good(2, { co2_tonnes: '1e12' })])), expect: { read: 2, accepted: 1, quarantined: 1, reasons: [[3, /^co2_tonnes: above the maximum 1000000 \(1e12\)$/]] } },
  { name: 'a feature out of its range', make: csv(text([good(1, { renewable_share: 1.5 }), good(2, { temperature_c: -60 })])), expect: { read: 2, accepted: 0, quarantined: 2, reasons: [[2, /^renewable_share: above the maximum 1 \(1.5\)$/], [3, /^temperature_c: below the minimum -40 \(-60\)$/]] } },
  { name: 'an unknown region', make: csv(text([good(1, { region: 'Atlantis' }), good(2)])), expect: { read: 2, accepted: 1, quarantined: 1, reasons: [[2, /^region: unknown level 'Atlantis'$/]] } },
  { name: 'an unknown sector', make: csv(text([good(1), good(2, { sector: 'mining' })])), expect: { read: 2, accepted: 1, quarantined: 1, reasons: [[3, /^sector: unknown level 'mining'$/]] } },
  { name: "a level in the wrong case ('lombardia')", make: csv(text([good(1, { region: 'lombardia' }), good(2, { sector: 'Energy' })])), expect: { read: 2, accepted: 0, quarantined: 2, reasons: [[2, /^region: unknown level 'lombardia' \(did you mean 'Lombardia'\?\)$/], [3, /^sector: unknown level 'Energy' \(did you mean 'energy'\?\)$/]] } },
  { name: 'whitespace around values and header names: trimmed, accepted', make: csv(text([line(good(1)).split(',').map((v) => ` ${v}  `).join(','), good(2)], H.map((h) => ` ${h} `))), expect: { read: 2, accepted: 2, quarantined: 0, lines: [2, 3] } },
  { name: 'a duplicate key in the file', predict: true, make: csv(text([good(1, { co2_tonnes: 1 }), good(2), good(1, { co2_tonnes: 2 })])), expect: { read: 3, accepted: 2, quarantined: 1, reasons: [[4, /^duplicate key: same \(facility_id, date\) as row 2$/]] } },
  { name: 'a bad date (2024-02-30)', make: csv(text([good(1, { date: '2024-02-30' }), good(2)])), expect: { read: 2, accepted: 1, quarantined: 1, reasons: [[2, /^date: not a valid date in format %Y-%m-%d \(2024-02-30\)$/]] } },
  { name: 'an ambiguous date (03/04/2024) for format %Y-%m-%d', make: csv(text([good(1), good(2, { date: '03/04/2024' })])), expect: { read: 2, accepted: 1, quarantined: 1, reasons: [[3, /^date: not a valid date in format %Y-%m-%d \(03\/04\/2024\)$/]] } },
  { name: 'a date with a time', make: csv(text([good(1, { date: '2024-03-01 10:00:00' }), good(2)])), expect: { read: 2, accepted: 1, quarantined: 1, reasons: [[2, /^date: not a valid date/]] } },
  { name: 'every row broken', make: csv(text([good(1, { sector: 'mining' }), good(2, { energy_mwh: 'x' })])), expect: { read: 2, accepted: 0, quarantined: 2, reasons: [[2, /unknown level 'mining'/], [3, /not a number \(x\)/]] } },

  // --- records and lines
  { name: 'a row with too many fields', predict: true, make: csv(text([good(1), `${line(good(2))},extra`, good(3)])), expect: { read: 3, accepted: 2, quarantined: 1, reasons: [[3, /^malformed CSV record: TOO MANY COLUMNS: Expected Number of Columns: 10 Found: 11$/]], lines: [2, 4] } },
  { name: 'a row with too few fields', make: csv(text([good(1), 'G2,2024-03-01,Lazio', good(3)])), expect: { read: 3, accepted: 2, quarantined: 1, reasons: [[3, /^malformed CSV record: MISSING COLUMNS: Expected Number of Columns: 10 Found: 3$/]], lines: [2, 4] } },
  { name: 'a truncated file (last line cut mid-field)', make: csv(text([good(1), good(2)]) + line(good(3)).slice(0, 33)), expect: { read: 3, accepted: 2, quarantined: 1, reasons: [[4, /^malformed CSV record: MISSING COLUMNS/]] } },
  { name: 'a file cut inside a quoted field', make: csv(text([good(1), good(2)]) + '"G3,2024-03-01,Laz'), expect: { read: 3, accepted: 2, quarantined: 1, reasons: [[4, /unterminated quote.*the last line, is never closed: is the file cut short\?/]] } },
  { name: 'a quote never closed in the middle of the file', make: csv(text([good(1), line(good(2)).replace('Lazio', '"Lazio'), good(3), good(4)])), expect: { read: 2, accepted: 1, quarantined: 1, reasons: [[3, /never closed, so lines 3-5, the rest of the file, were read as this one record/]] } },
  {
    name: 'a quoted line break inside a value: the record is quarantined, later lines keep their numbers',
    predict: true,
    make: csv(text([good(1), line(good(2)).replace('G2', '"G\n2"'), good(3), `${line(good(4))},extra`, good(5)])),
    expect: { read: 5, accepted: 3, quarantined: 2, reasons: [[3, /^facility_id: contains a control character/], [6, /TOO MANY COLUMNS/]], lines: [2, 5, 7] },
  },
  { name: 'quoted delimiters and quotes in values', make: csv(text([good(1, { region: "Valle d'Aosta" }), line(good(2)).replace('12.5', '"12,5"'), line(good(3)).replace('G3', '"G""3"')])), expect: { read: 3, accepted: 2, quarantined: 1, reasons: [[3, /^temperature_c: not a number \(12,5\)$/]] } },
  { name: 'CRLF line endings', make: csv(text([good(1), good(2), good(3, { region: 'Atlantis' })], H, '\r\n')), expect: { read: 3, accepted: 2, quarantined: 1, reasons: [[4, /^region: unknown level 'Atlantis'$/]] } },
  { name: 'old Mac CR line endings', make: csv(text([good(1), good(2)], H, '\r')), expect: { read: 2, accepted: 2, quarantined: 0, lines: [2, 3] } },
  { name: 'mixed line endings', make: csv(`${H.join(',')}\n${line(good(1))}\r\n${line(good(2))}\n`), expect: { error: /mixes line endings: the header ends with \\n but line 2 ends with \\r\\n/ } },
  { name: 'trailing empty lines', make: csv(text([good(1), good(2)]) + '\n\n\n'), expect: { read: 2, accepted: 2, quarantined: 0, lines: [2, 3] } },
  { name: 'blank lines between rows and before the header', make: csv('\n' + text([good(1), '', good(2), '', '', `${line(good(3))},x`, good(4)])), expect: { read: 4, accepted: 3, quarantined: 1, reasons: [[8, /TOO MANY COLUMNS/]], lines: [3, 5, 9] } },
  { name: 'a whitespace-only line', make: csv(text([good(1), '   ', good(2)])), expect: { read: 3, accepted: 2, quarantined: 1, reasons: [[3, /MISSING COLUMNS: Expected Number of Columns: 10 Found: 1/]] } },

  // --- encodings and bytes
  { name: 'a UTF-8 byte-order mark', make: csv('\ufeff' + text([good(1), good(2)])), expect: { read: 2, accepted: 2, quarantined: 0, lines: [2, 3] } },
  { name: 'BOM and CRLF (a spreadsheet export)', predict: true, make: csv('\ufeff' + text([good(1, { region: "Valle d'Aosta" }), good(2)], H, '\r\n')), expect: { read: 2, accepted: 2, quarantined: 0 } },
  { name: 'invalid UTF-8 in a row', predict: true, make: csv(Buffer.concat([Buffer.from(text([good(1)])), Buffer.from(line(good(2)).replace('Lazio', 'Laz\xe8io'), 'latin1'), Buffer.from('\n' + line(good(3)) + '\n')])), expect: { read: 3, accepted: 2, quarantined: 1, reasons: [[3, /^malformed CSV record: INVALID ENCODING/]], lines: [2, 4] } },
  { name: 'a Latin-1 header', make: csv(Buffer.from(text([good(1)], [...H, 'temperatura_\xb0C']), 'latin1')), expect: { error: /the header line is not valid UTF-8/ } },
  { name: 'UTF-16 text', make: csv(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text([good(1)]), 'utf16le')])), expect: { error: /is UTF-16 text/ } },
  { name: 'a NUL byte and a tab inside values', make: csv(text([good(1, { region: 'La\u0000zio' }), good(2, { facility_id: 'G\t2' }), good(3)])), expect: { read: 3, accepted: 1, quarantined: 2, reasons: [[2, /^region: unknown level/], [3, /^facility_id: contains a control character/]] } },
  { name: 'a binary file', make: csv(noise(5000)), expect: { error: /is not CSV text|not valid UTF-8/ } },
  { name: 'a Parquet file named .csv', make: async (dir) => parquet(path.join(dir, `case-${++seq}.csv`), goodSelect(1)), expect: { error: /is a Parquet file, not CSV: give it the \.parquet extension/ } },
  { name: 'a gzip file named .csv', make: csv(gzipSync(text([good(1)]))), expect: { error: /is gzip-compressed: name it \.csv\.gz/ } },
  { name: 'gzip-compressed CSV (.csv.gz) is read', make: (dir) => put(dir, '.csv.gz', gzipSync(text([good(1), '', good(2, { sector: 'mining' })]))), expect: { read: 2, accepted: 1, quarantined: 1, reasons: [[4, /unknown level 'mining'/]] } },

  // --- real exports (tests/fixtures/bad-input)
  {
    name: 'a spreadsheet export: BOM, CRLF, a quoted CRLF and comma in an extra column, a level in the wrong case, an empty target',
    predict: true,
    make: () => path.join(FIXTURES, 'excel-export.csv'),
    expect: { read: 4, accepted: 3, quarantined: 1, reasons: [[5, /^region: unknown level 'lombardia' \(did you mean 'Lombardia'\?\)$/]], lines: [2, 3, 6], labelled: 2 },
  },
  { name: 'a Latin-1 export (Forlì)', make: () => path.join(FIXTURES, 'latin1-export.csv'), expect: { read: 3, accepted: 2, quarantined: 1, reasons: [[3, /^malformed CSV record: INVALID ENCODING/]], lines: [2, 4] } },

  // --- sizes
  { name: 'a 1 MB value in a category', make: csv(text([good(1, { region: 'x'.repeat(1 << 20) }), good(2)])), expect: { read: 2, accepted: 1, quarantined: 1, reasons: [[2, /^region: unknown level 'x{100}…'$/]] } },
  { name: 'a 1 MB id', make: csv(text([good(1), good(2, { facility_id: 'F'.repeat(1 << 20) })])), expect: { read: 2, accepted: 1, quarantined: 1, reasons: [[3, /^facility_id: longer than 1000 characters \(1048576\)$/]] } },
  { name: 'a 3 MB line (over the reader limit)', make: csv(text([good(1), good(2, { sector: 'y'.repeat(3 << 20) }), good(3)])), expect: { read: 3, accepted: 2, quarantined: 1, reasons: [[3, /^malformed CSV record: LINE SIZE OVER MAXIMUM/]], lines: [2, 4] } },

  // --- whole files
  { name: 'an empty file', make: csv(''), expect: { error: /is empty \(0 bytes\)/ } },
  { name: 'a header and no rows', make: csv(`${H.join(',')}\n`), expect: { error: /has a header but no data rows/ } },
  { name: 'a header without a line ending', make: csv(H.join(',')), expect: { error: /has a header but no data rows/ } },
  { name: 'blank lines only', make: csv('\n\n\n'), expect: { error: /has no header line \(it holds only blank lines\)/ } },
  { name: 'the wrong delimiter', make: csv(text([good(1), good(2)]).replace(/,/g, ';')), expect: { error: /lacks required columns/, details: /only one column was found: is the delimiter ',' right\?/ } },
  { name: 'a path that does not exist', make: (dir) => path.join(dir, 'no-such-file.csv'), expect: { error: /input file not found: .*no-such-file\.csv/ } },
  {
    name: 'a directory',
    make: (dir) => {
      const d = path.join(dir, `folder-${++seq}.csv`);
      mkdirSync(d);
      return d;
    },
    expect: { error: /is a directory, not a data file/ },
  },
  { name: 'a Parquet file with the wrong schema', make: (dir) => parquet(path.join(dir, `case-${++seq}.parquet`), "select 1 as id, 'x' as name, 2.5 as value"), expect: { error: /lacks required columns facility_id, date, region/ } },
  {
    name: 'a Parquet file with wrong types and bad values',
    predict: true,
    make: (dir) =>
      parquet(
        path.join(dir, `case-${++seq}.parquet`),
        `select * from (${goodSelect(1, { temperature_c: "'12.5'", co2_tonnes: "'65.5'" })} union all ${goodSelect(2, { temperature_c: "'warm'", co2_tonnes: "'-1'" })} union all ${goodSelect(3, { date: "'2024-02-30'", temperature_c: "'12.5'", co2_tonnes: "'65.5'" })}) order by facility_id`,
      ),
    expect: { read: 3, accepted: 1, quarantined: 2, reasons: [[3, /^temperature_c: not a number \(warm\)$/], [3, /^co2_tonnes: below the minimum 0 \(-1\)$/], [4, /^date: not a valid date/]] },
  },
  { name: 'a Parquet file with no rows', make: (dir) => parquet(path.join(dir, `case-${++seq}.parquet`), `${goodSelect(1)} limit 0`), expect: { error: /has no rows/ } },
  { name: 'a CSV file named .parquet', make: (dir) => put(dir, '.parquet', text([good(1)])), expect: { error: /cannot read .*\.parquet as PARQUET/ } },
  {
    name: 'the same file twice',
    make: csv(text([good(1), good(2)])),
    setup: async (db, file) => {
      await ingestFile(db, defaultConfig(), file);
    },
    predict: false,
    expect: { error: /was already ingested as batch \d+ .*use --force to ingest it again/ },
  },
];

// ---------------------------------------------------------------------------------------------

const TABLES = ['ingest_batches', 'raw_data', 'quarantine', 'pipeline_runs', 'step_runs', 'served_predictions', 'models', 'active_model'];

async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** The file's checks when it was loaded: counts in ingest_batches and the tables, reasons at their lines. */
async function expectLoaded(db: PipelineDb, batchId: number, want: Exclude<Expected, { error: RegExp }>): Promise<void> {
  const b = await one<Record<string, unknown>>(db, 'select rows_read, rows_accepted, rows_quarantined, rows_labelled, has_target from ingest_batches where batch_id = $1', [batchId]);
  expect(b).to.include({ rows_read: want.read, rows_accepted: want.accepted, rows_quarantined: want.quarantined });
  expect(want.read).to.equal(want.accepted + want.quarantined);
  if (want.labelled !== undefined) expect(b.rows_labelled).to.equal(want.labelled);
  if (want.hasTarget !== undefined) expect(b.has_target).to.equal(want.hasTarget);
  expect((await one<{ n: number }>(db, 'select count(*) as n from raw_data where batch_id = $1', [batchId])).n, 'raw_data rows').to.equal(want.accepted);
  const q = await db.query<{ source_row: number; reasons: string[] }>('select source_row, reasons from quarantine where batch_id = $1 order by source_row', [batchId]);
  expect(q.length, 'quarantine rows').to.equal(want.quarantined);
  for (const r of q) expect(r.reasons.length, `reasons of line ${r.source_row}`).to.be.greaterThan(0);
  for (const [at, re] of want.reasons ?? []) {
    const row = q.find((r) => r.source_row === at);
    expect(row, `a quarantined row at line ${at} (quarantined: ${JSON.stringify(q.map((x) => [x.source_row, x.reasons.map((s) => s.slice(0, 120))]))})`).to.not.equal(undefined);
    expect(row!.reasons.some((r) => re.test(r)), `${re} in ${JSON.stringify(row!.reasons.map((s) => s.slice(0, 200)))}`).to.equal(true);
  }
  if (want.lines) {
    const kept = await db.query<{ source_row: number }>('select source_row from raw_data where batch_id = $1 order by source_row', [batchId]);
    expect(kept.map((k) => k.source_row)).to.deep.equal(want.lines);
  }
  // no line is both accepted and quarantined
  const overlap = await one<{ n: number }>(db, 'select count(*) as n from raw_data r join quarantine q using (batch_id, source_row) where r.batch_id = $1', [batchId]);
  expect(overlap.n).to.equal(0);
}

function expectRefused(err: unknown, file: string, want: { error: RegExp; details?: RegExp }): void {
  expect(err, 'the file should have been refused').to.be.instanceOf(InputError);
  const e = err as InputError;
  expect(e.exitCode).to.equal(3);
  expect(e.message).to.match(want.error);
  expect(e.message, 'the message names the file').to.include(path.basename(file));
  if (want.details) expect(e.details.join('\n')).to.match(want.details);
}

describe('reliability: bad input', function () {
  this.timeout(300_000);
  const tmp = useTmpDir('mlp-bad-');
  /** A small trained database file (closed), copied for the CLI cases. */
  let trained: string;
  let trainCsv: string;
  /** Prediction runs here must be about the input, not drift: drift thresholds no batch can reach. */
  let predConfig: Config;

  before(async () => {
    trainCsv = path.join(tmp(), 'train.csv');
    await generateFile(trainCsv, { rows: 3000, seed: 11 });
    trained = path.join(tmp(), 'trained.duckdb');
    const db = await openLikeCli(trained);
    try {
      await trainOn(db);
    } finally {
      await db.close();
    }
    predConfig = configWith((raw) => {
      raw.steps.data_drift_detection.p_value_threshold = 1e-300;
      raw.steps.data_drift_detection.distance_threshold = 1e9;
      raw.steps.model_drift_detection.rmse_ratio_threshold = 1e9;
      raw.steps.model_drift_detection.method = 'wasserstein';
      raw.steps.model_drift_detection.threshold = 1e9;
    });
  });

  /** Ingests the training file and trains once: run 1, model v1 active. */
  async function trainOn(db: PipelineDb): Promise<void> {
    await ingestFile(db, defaultConfig(), trainCsv);
    await runTrainingPipeline(db, defaultConfig(), 'DEV');
  }

  it(`has at least 30 kinds of bad input (${CASES.length})`, () => {
    expect(CASES.length).to.be.at.least(30);
    expect(new Set(CASES.map((c) => c.name)).size).to.equal(CASES.length);
  });

  describe('pipeline ingest FILE', () => {
    let db: PipelineDb;
    // in memory: the same SQL as a file, without a disk write per statement (the CLI cases below use files)
    before(async () => {
      db = await openLikeCli(':memory:');
      await ingestFile(db, defaultConfig(), trainCsv);
    });
    after(async () => {
      await db?.close();
    });

    for (const c of CASES) {
      it(c.name, async () => {
        const file = await c.make(tmp());
        await c.setup?.(db, file);
        const before = await counts(db, TABLES);
        let result: Awaited<ReturnType<typeof ingestFile>> | undefined;
        const err = await caught(async () => {
          result = await ingestFile(db, defaultConfig(), file);
        });
        if ('error' in c.expect) {
          expectRefused(err, file, c.expect);
          expect(await counts(db, TABLES), 'database unchanged').to.deep.equal(before);
        } else {
          if (err) throw err;
          expect(result).to.include({ rowsRead: c.expect.read, rowsAccepted: c.expect.accepted, rowsQuarantined: c.expect.quarantined });
          await expectLoaded(db, result!.batchId, c.expect);
          const after = await counts(db, TABLES);
          expect(after.ingest_batches).to.equal(before.ingest_batches + 1);
          expect(after.raw_data).to.equal(before.raw_data + c.expect.accepted);
          expect(after.quarantine).to.equal(before.quarantine + c.expect.quarantined);
        }
      });
    }
  });

  describe('pipeline run --type PREDICTION_PIPELINE --input FILE', () => {
    let db: PipelineDb;
    before(async () => {
      db = await openLikeCli(':memory:');
      await trainOn(db);
    });
    after(async () => {
      await db?.close();
    });

    const predicted = (c: Case) => c.predict ?? ('error' in c.expect || c.expect.accepted === 0);
    for (const c of CASES.filter(predicted)) {
      it(c.name, async () => {
        const file = await c.make(tmp());
        const before = await counts(db, TABLES);
        let outcome: Awaited<ReturnType<typeof runPredictionPipeline>> | undefined;
        const err = await caught(async () => {
          outcome = await runPredictionPipeline(db, predConfig, 'DEV', { input: file });
        });
        if ('error' in c.expect) {
          expectRefused(err, file, c.expect);
          expect(await counts(db, TABLES), 'database unchanged').to.deep.equal(before);
        } else if (c.expect.accepted === 0) {
          // the batch is recorded with its quarantined rows, and the run refuses to start on nothing
          expect(err).to.be.instanceOf(InputError);
          expect((err as Error).message).to.match(/no row passed the contract/);
          const after = await counts(db, TABLES);
          expect(after.ingest_batches).to.equal(before.ingest_batches + 1);
          expect(after.quarantine).to.equal(before.quarantine + c.expect.quarantined);
          expect(after.pipeline_runs).to.equal(before.pipeline_runs);
          const [{ b }] = await db.query<{ b: number }>('select max(batch_id) as b from ingest_batches');
          await expectLoaded(db, b, c.expect);
        } else {
          if (err) throw err;
          await expectLoaded(db, outcome!.batchId, c.expect);
          const run = await one<{ status: string; batch_id: number }>(db, 'select status, batch_id from pipeline_runs where run_id = $1', [outcome!.runId]);
          expect(run).to.deep.equal({ status: 'succeeded', batch_id: outcome!.batchId });
          // every accepted row is served once, none of the quarantined ones
          const served = await one<{ n: number }>(db, 'select count(*) as n from served_predictions where run_id = $1', [outcome!.runId]);
          expect(served.n).to.equal(c.expect.accepted);
          expect(outcome!.served).to.equal(c.expect.accepted);
          const strays = await one<{ n: number }>(
            db,
            'select count(*) as n from served_predictions s anti join raw_data r on r.batch_id = s.batch_id and r.source_row = s.source_row where s.run_id = $1',
            [outcome!.runId],
          );
          expect(strays.n).to.equal(0);
        }
        expect(await invariantViolations(db, { noneRunning: true })).to.deep.equal([]);
      });
    }
  });

  describe('through the CLI: exit codes and messages', () => {
    const picks = ['a required column is missing', 'a Latin-1 header', 'a quoted line break inside a value: the record is quarantined, later lines keep their numbers'];
    /** Per case: `pipeline ingest` and `pipeline run --type PREDICTION_PIPELINE --input`, each on its own copy of the trained database, all started at once. */
    const runs = new Map<string, Promise<[string, Exited, Exited]>>();
    before(() => {
      const raw = rawDefaultConfig();
      raw.steps.data_drift_detection = { ...raw.steps.data_drift_detection, distance_threshold: 1e9, p_value_threshold: 1e-300 };
      raw.steps.model_drift_detection = { rmse_ratio_threshold: 1e9, method: 'wasserstein', threshold: 1e9 };
      const cfg = writeYaml(path.join(tmp(), 'predict.yaml'), raw);
      for (const name of picks) {
        const c = CASES.find((k) => k.name === name) as Case;
        runs.set(
          name,
          (async () => {
            const file = await c.make(tmp());
            const dbs = [0, 1].map((i) => copyDb(trained, path.join(tmp(), `cli-${++seq}-${i}.duckdb`)));
            const [ing, pred] = await Promise.all([
              startCli(['ingest', file, '--db', dbs[0]]).exited,
              startCli(['run', '--type', 'PREDICTION_PIPELINE', '--input', file, '--db', dbs[1], '--config', cfg]).exited,
            ]);
            return [file, ing, pred] as [string, Exited, Exited];
          })(),
        );
      }
    });

    for (const name of picks) {
      it(`${name}: ingest and a prediction run`, async () => {
        const c = CASES.find((k) => k.name === name) as Case;
        const [file, ing, pred] = await (runs.get(name) as Promise<[string, Exited, Exited]>);
        if ('error' in c.expect) {
          for (const x of [ing, pred]) {
            expect(x.code, explain(x)).to.equal(3);
            expect(x.stderr).to.match(/^error: /m);
            expect(x.stderr).to.include(path.basename(file));
            expect(x.stderr).to.match(new RegExp(c.expect.error.source, 'm'));
            expect(x.stderr, 'no stack trace without --verbose').to.not.match(/\n\s+at /);
          }
        } else {
          expect(ing.code, explain(ing)).to.equal(0);
          expect(ing.stdout).to.match(new RegExp(`batch \\d+: ${c.expect.read} rows read, ${c.expect.accepted} accepted, ${c.expect.quarantined} quarantined`));
          expect(pred.code, explain(pred)).to.equal(0);
          expect(pred.stdout).to.match(new RegExp(`${c.expect.accepted} predictions served`));
        }
      });
    }
  });

  describe('bad config files', () => {
    it('reports every problem at once, with its key path, and exits 2', async () => {
      const raw = rawDefaultConfig();
      raw.duckdb.treads = 2; // unknown key
      raw.steps.train_test_split.test_fraction = 'lots'; // wrong type
      delete raw.stages.UAT; // missing stage
      raw.retention.keep_runs = -1; // out of range
      raw.dataset.columns[4].min = 'cold'; // wrong type, inside a list
      const cfg = writeYaml(path.join(tmp(), 'bad.yaml'), raw);
      const dbFile = path.join(tmp(), 'never-created.duckdb');
      const x = await startCli(['sql', 'select 1', '--config', cfg, '--db', dbFile]).exited;
      expect(x.code, explain(x)).to.equal(2);
      expect(x.stderr).to.match(/invalid configuration in .*bad\.yaml: 5 problems/);
      for (const want of [/duckdb: unknown key\(s\) 'treads'/, /steps\.train_test_split\.test_fraction: .*expected number/, /stages\.UAT: /, /retention\.keep_runs: .*>=1/, /dataset\.columns\.4\.min: .*expected number/]) {
        expect(x.stderr).to.match(want);
      }
      expect(x.stdout).to.equal('');
      expect(existsSync(dbFile), 'no database is created with a bad config').to.equal(false);
    });
  });
});
