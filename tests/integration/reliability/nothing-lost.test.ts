/**
 * No row lost, no false success (issue #13): what the pipeline does when the file, the machine or the arguments are not
 * what it expects. Every case runs the real CLI (or the function it calls) against real DuckDB files and checks the exit
 * code, that the message names the file and the cause, and what the database holds afterwards: a refused command
 * leaves it as it was (same rows, same content hashes) and usable by the next command.
 *
 * Environment faults are made for real where the test can: a small tmpfs for a full disk (as root; otherwise a file
 * size limit), a folder the user may not write (as the user nobody when running as root), a block overwritten on disk.
 */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { quoteLiteral } from '../../../src/db/sql-text.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { runTrainingPipeline } from '../../../src/pipelines/training.ts';
import {
  BIN,
  csvText,
  defaultConfig,
  defaultHeader,
  defaultRow,
  expectExit,
  generateFile,
  rawDefaultConfig,
  runCli,
  sha256File,
  snapshotDb,
  queryJson,
  useTmpDir,
  withDb,
  writeYaml,
  type CliResult,
} from '../../support/helpers.ts';
import { copyDb, openLikeCli } from './support.ts';

const isRoot = process.getuid?.() === 0;
const hasRunuser = spawnSync('runuser', ['--help']).status === 0;

/** `pipeline ...args` as the user nobody (root only), with the same environment as runCli. */
function runAsNobody(args: readonly string[], env: Record<string, string> = {}): CliResult {
  const res = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, BIN, ...args], {
    env: { ...process.env, PIPELINE_NO_LOG_FILE: '1', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: res.status, signal: res.signal, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}

/** A shell pipeline `pipeline ...args | consumer`, run by bash; the CLI's own exit code is reported as `code`. */
function runPiped(args: readonly string[], consumer: string): CliResult & { consumerOut: string } {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const res = spawnSync('bash', ['-c', `${quoted} | ${consumer}; echo "cli-exit=\${PIPESTATUS[0]}" >&2`], {
    env: { ...process.env, PIPELINE_NO_LOG_FILE: '1' },
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const m = /cli-exit=(\d+)/.exec(res.stderr ?? '');
  return { code: m ? Number(m[1]) : null, signal: res.signal, stdout: '', stderr: res.stderr ?? '', consumerOut: res.stdout ?? '' };
}

type Runner = (args: readonly string[], env?: Record<string, string>) => CliResult;

/**
 * Makes `dir` a folder the CLI's user may not write, and says how to run the CLI as that user: chmod when not root;
 * as root (who may write anywhere) the user nobody (the folder stays root's, 0755), or else a read-only bind mount.
 */
function readOnlyFolder(dir: string): { run: Runner; undo: () => void } {
  const asUs: Runner = (args, env = {}) => runCli(args, { env });
  if (!isRoot) {
    chmodSync(dir, 0o555);
    return { run: asUs, undo: () => chmodSync(dir, 0o755) };
  }
  if (hasRunuser) return { run: runAsNobody, undo: () => undefined };
  execFileSync('mount', ['--bind', dir, dir]);
  execFileSync('mount', ['-o', 'remount,ro,bind', dir]);
  return { run: asUs, undo: () => execFileSync('umount', [dir]) };
}

const H = defaultHeader();
const row = (i: number, o: Record<string, string | number | null> = {}) => defaultRow({ facility_id: `N${i}`, date: '2024-05-01', ...o });

describe('reliability: nothing lost, no false success', function () {
  this.timeout(300_000);
  const tmp = useTmpDir('mlp-lost-');
  /** A small labelled file, and a database (closed) with it ingested and a model trained on it. */
  let smallCsv: string;
  let trained: string;

  before(async () => {
    // the user nobody must reach the files of the permission cases
    chmodSync(tmp(), 0o755);
    smallCsv = path.join(tmp(), 'small.csv');
    await generateFile(smallCsv, { rows: 2000, seed: 21 });
    trained = path.join(tmp(), 'trained.duckdb');
    const db = await openLikeCli(trained);
    try {
      await ingestFile(db, defaultConfig(), smallCsv);
      await runTrainingPipeline(db, defaultConfig(), 'DEV');
    } finally {
      await db.close();
    }
  });

  let seq = 0;
  /** A copy of the trained database in its own folder. */
  function trainedCopy(): string {
    const dir = path.join(tmp(), `db-${++seq}`);
    mkdirSync(dir, { mode: 0o755 });
    return copyDb(trained, path.join(dir, 'stage.duckdb'));
  }
  /** A labelled file of its own (a checksum never ingested before). */
  async function freshCsv(rows: number, seed: number): Promise<string> {
    const f = path.join(tmp(), `gen-${rows}-${seed}.csv`);
    if (!existsSync(f)) await generateFile(f, { rows, seed, startDate: '2025-01-01' });
    return f;
  }

  describe('ingest integrity', () => {
    it('quarantines a record longer than the CSV reader buffer (a 50 MB field) at its line; the rows after it keep their lines', async () => {
      const file = path.join(tmp(), 'huge-field.csv');
      writeFileSync(file, csvText(H, [row(1), row(2, { region: 'x'.repeat(50 << 20) }), row(3)]));
      await withDb(async (db) => {
        const r = await ingestFile(db, defaultConfig(), file);
        expect(r).to.include({ rowsRead: 3, rowsAccepted: 2, rowsQuarantined: 1 });
        const q = await db.query<{ source_row: number; reasons: string[] }>('select source_row, reasons from quarantine');
        expect(q).to.have.length(1);
        expect(q[0].source_row).to.equal(3);
        expect(q[0].reasons.join(' ')).to.match(/LINE SIZE OVER MAXIMUM/);
        const kept = await db.query<{ source_row: number; facility_id: string }>('select source_row, facility_id from raw_data order by source_row');
        expect(kept).to.deep.equal([
          { source_row: 2, facility_id: 'N1' },
          { source_row: 4, facility_id: 'N3' },
        ]);
      });
    });

    it('refuses a file replaced between the checksum pass and the load (exit 3, nothing committed); the real file then ingests under its own checksum and size', async () => {
      const db = trainedCopy();
      const input = path.join(tmp(), 'arriving.csv');
      copyFileSync(await freshCsv(300, 31), input);
      const replacement = path.join(tmp(), 'arriving.csv.part');
      copyFileSync(await freshCsv(900, 32), replacement);
      const before = await snapshotDb(db);
      const res = expectExit(runCli(['ingest', input, '--db', db], { env: { PIPELINE_REPLACE_INPUT: replacement } }), 3, 'ingest while the file is replaced');
      expect(res.stderr).to.match(/arriving\.csv changed while it was being ingested \(it was replaced by another file\); nothing was ingested/);
      expect(await snapshotDb(db), 'database unchanged').to.deep.equal(before);
      // the file now holds the 900 rows: ingesting it records their checksum and size, not the 300-row file's
      expectExit(runCli(['ingest', input, '--db', db]), 0, 'ingest of the complete file');
      const [b] = await queryJson<{ checksum_sha256: string; file_bytes: number; rows_read: number }>(db, 'select checksum_sha256, file_bytes, rows_read from ingest_batches order by batch_id desc limit 1');
      expect(b).to.deep.equal({ checksum_sha256: sha256File(input), file_bytes: statSync(input).size, rows_read: 900 });
    });

    it('refuses --db naming a CSV or a Parquet file (exit 3), saying what the file is, and leaves it alone', async () => {
      const csvDb = path.join(tmp(), 'looks-like-a-db.csv');
      copyFileSync(smallCsv, csvDb);
      const parquetDb = path.join(tmp(), 'data.parquet');
      await withDb((d) => d.exec(`copy (select 1 as a) to ${quoteLiteral(parquetDb)} (format parquet)`), { migrate: false });
      for (const [file, what] of [
        [csvDb, /is not a valid DuckDB database: it is text \(CSV\?\) starting with "facility_id,date,region/],
        [parquetDb, /is not a valid DuckDB database: it is a Parquet file/],
      ] as const) {
        const hash = sha256File(file);
        for (const args of [['ingest', smallCsv], ['status']]) {
          const res = expectExit(runCli([...args, '--db', file]), 3, `${args[0]} --db ${path.basename(file)}`);
          expect(res.stderr).to.match(what);
          expect(res.stderr).to.include(file);
        }
        expect(sha256File(file), 'the file is not changed').to.equal(hash);
      }
    });

    it('exits 3 when an ingest accepts no row, with the most frequent reasons; training says the labels are in quarantine; the file ingests once the contract is fixed', async () => {
      const db = path.join(tmp(), `zero-${++seq}.duckdb`);
      const file = await freshCsv(500, 41);
      const raw = rawDefaultConfig();
      raw.dataset.time.format = '%d/%m/%Y'; // the file's dates are 2025-01-01: no row matches
      const wrongFormat = writeYaml(path.join(tmp(), 'wrong-date-format.yaml'), raw);
      const res = expectExit(runCli(['ingest', file, '--db', db, '--config', wrongFormat]), 3, 'ingest accepting nothing');
      expect(res.stderr).to.match(/no row passed the contract: 500 read, 0 accepted, 500 quarantined \(batch 1\)/);
      expect(res.stderr).to.match(/500 rows like line 2: date: not a valid date in format %d\/%m\/%Y \(2025-01-01\)/);
      expect((await queryJson<{ n: number }>(db, 'select count(*) as n from quarantine where batch_id = 1'))[0].n, 'the quarantined rows are kept').to.equal(500);
      const train = expectExit(runCli(['run', '--type', 'TRAINING_PIPELINE', '--db', db, '--config', wrongFormat]), 3, 'training on quarantined rows only');
      expect(train.stderr).to.match(/no accepted labelled rows to train on: the 500 rows with a co2_tonnes value are all in quarantine \(batch 1\)/);
      expect((await queryJson<{ n: number }>(db, 'select count(*) as n from raw_data'))[0].n, 'no synthetic data stands in for them').to.equal(0);
      // with the contract fixed, the same file is not refused as "already ingested"
      expect(expectExit(runCli(['ingest', file, '--db', db]), 0, 'ingest with the fixed contract').stdout).to.equal('batch 2: 500 rows read, 500 accepted, 0 quarantined\n');
    });
  });

  describe('environment faults: exit 5, the path and what to do, the database unchanged and usable', () => {
    it('a full disk: nothing committed, the database file no larger than before, the next command works', async function () {
      const mnt = path.join(tmp(), 'small-disk');
      mkdirSync(mnt, { mode: 0o755 });
      let mounted = false;
      if (isRoot) {
        try {
          execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mnt], { stdio: 'ignore' });
          mounted = true;
        } catch {
          mounted = false;
        }
      }
      const big = await freshCsv(300_000, 51);
      try {
        const db = path.join(mnt, 'stage.duckdb');
        expectExit(runCli(['ingest', smallCsv, '--db', db]), 0, 'first ingest');
        const size = statSync(db).size;
        const before = await snapshotDb(db);
        // without a mount (not root): a file size limit of 4-8 MB (ulimit -f counts 512- or 1024-byte blocks), SIGXFSZ ignored
        const res = mounted
          ? runCli(['ingest', big, '--db', db])
          : (() => {
              const r = spawnSync('sh', ['-c', 'trap "" XFSZ; ulimit -f 8192; exec "$0" "$@"', process.execPath, BIN, 'ingest', big, '--db', db], {
                env: { ...process.env, PIPELINE_NO_LOG_FILE: '1' },
                encoding: 'utf8',
              });
              return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
            })();
        expectExit(res, 5, 'ingest onto a full disk');
        expect(res.stderr).to.match(mounted ? /error: the disk is full: .*stage\.duckdb/ : /error: a file size limit was reached/);
        expect(res.stderr).to.match(/nothing was committed/);
        expect(statSync(db).size, 'the database file is no larger than before').to.be.at.most(size);
        expect(!existsSync(`${db}.wal`) || statSync(`${db}.wal`).size === 0, 'no WAL left').to.equal(true);
        expect(await snapshotDb(db), 'database unchanged').to.deep.equal(before);
        expectExit(runCli(['ingest', await freshCsv(3000, 52), '--db', db]), 0, 'the next ingest');
      } finally {
        if (mounted) execFileSync('umount', [mnt]);
      }
    });

    it('a database folder the user may not write: exit 5 naming the file; reading still works; writable again, the command runs', async () => {
      const db = trainedCopy();
      chmodSync(db, 0o644);
      const before = await snapshotDb(db);
      const input = await freshCsv(400, 61);
      const folder = readOnlyFolder(path.dirname(db));
      try {
        const res = expectExit(folder.run(['ingest', input, '--db', db]), 5, 'ingest into a read-only folder');
        expect(res.stderr).to.match(/error: (permission denied|the file system is read-only): .*stage\.duckdb/);
        expect(res.stderr).to.not.match(/internal error/);
        expectExit(folder.run(['status', '--db', db]), 0, 'status reads a database it may not write');
      } finally {
        folder.undo();
      }
      expect(await snapshotDb(db), 'database unchanged').to.deep.equal(before);
      expectExit(runCli(['ingest', input, '--db', db]), 0, 'the same ingest once the folder is writable');
    });

    it('a damaged block: exit 5 naming the database file; the intact copy is usable', async () => {
      const db = trainedCopy();
      const good = copyDb(db, `${db}.backup`);
      // overwrite bytes inside every 256 KiB block after DuckDB's 12 KiB header
      const fd = openSync(db, 'r+');
      try {
        for (let at = 3 * 4096 + 64; at < statSync(db).size; at += 256 * 1024) writeSync(fd, Buffer.alloc(64, 0xa5), 0, 64, at);
      } finally {
        closeSync(fd);
      }
      for (const args of [['status'], ['ingest', await freshCsv(400, 71)]]) {
        const res = expectExit(runCli([...args, '--db', db]), 5, `${args[0]} on a damaged file`);
        expect(res.stderr).to.match(/error: the database file is damaged \(a block fails its checksum\): .*stage\.duckdb/);
        expect(res.stderr).to.match(/restore .*stage\.duckdb from a backup/);
      }
      renameSync(good, db);
      expectExit(runCli(['status', '--db', db]), 0, 'status on the restored file');
    });

    it('a buffer pool too small for the run: exit 5 naming duckdb.memory_limit and DuckDB\'s own error, the run recorded as failed, no model; the default pool trains', async () => {
      // 20,000 rows and no model yet: a 4MB pool opens the database and starts the run, then fails inside a step
      const db = path.join(tmp(), 'pool.duckdb');
      expectExit(runCli(['ingest', await freshCsv(20_000, 81), '--db', db]), 0, 'ingest');
      const small = writeYaml(path.join(tmp(), 'tiny-pool.yaml'), { ...rawDefaultConfig(), duckdb: { ...rawDefaultConfig().duckdb, memory_limit: '4MB' } });
      const res = expectExit(runCli(['run', '--type', 'TRAINING_PIPELINE', '--db', db, '--config', small]), 5, 'training with a 4MB pool');
      expect(res.stderr).to.match(/error: DuckDB's buffer pool is full \(duckdb\.memory_limit in the config\)/);
      // the failing statement's own error, not the "transaction is aborted" of a statement after it
      expect(res.stderr, res.stderr).to.match(/\.sql: Out of Memory Error/);
      expect(res.stderr).not.to.match(/transaction is aborted/i);
      expect(res.stderr).to.match(/raise duckdb\.memory_limit in the config.*nothing was committed/);
      const [run] = await queryJson<{ status: string; error: string }>(db, 'select status, error from pipeline_runs order by run_id desc limit 1');
      expect(run.status).to.equal('failed');
      expect(run.error).to.match(/\.sql: Out of Memory Error/);
      expect((await queryJson(db, 'select (select count(*) from models) as models, (select count(*) from active_model) as active'))[0]).to.deep.equal({ models: 0, active: 0 });
      expectExit(runCli(['run', '--type', 'TRAINING_PIPELINE', '--db', db]), 0, 'training with the default pool');
      expect((await queryJson(db, 'select count(*) as n from active_model'))[0]).to.deep.equal({ n: 1 });
    });

    it('a --db path through a regular file: exit 5 naming that file, which is left alone', () => {
      const file = path.join(tmp(), 'not-a-folder.txt');
      writeFileSync(file, 'just a file\n');
      const res = expectExit(runCli(['ingest', smallCsv, '--db', path.join(file, 'sub', 'stage.duckdb')]), 5, '--db under a file');
      expect(res.stderr).to.include(`${file} is a file, not a folder`);
      expect(readFileSync(file, 'utf8')).to.equal('just a file\n');
    });
  });

  describe('an unwritable log file', () => {
    /** A config folder whose logging.yaml points the log file at `logFile`. */
    function configLoggingTo(logFile: string): string {
      const dir = path.join(tmp(), `cfg-${++seq}`);
      mkdirSync(dir, { mode: 0o755 });
      writeYaml(path.join(dir, 'logging.yaml'), { level: 'info', file: logFile, file_level: 'debug' });
      return writeYaml(path.join(dir, 'config.yaml'), rawDefaultConfig());
    }

    it('is a warning: the command runs and exits with its own code', async () => {
      const logDir = path.join(tmp(), 'log-is-a-folder');
      mkdirSync(logDir);
      const cfg = configLoggingTo(logDir); // opening a folder as the log file fails (EISDIR), for root too
      const db = path.join(tmp(), `log-${++seq}.duckdb`);
      const env = { PIPELINE_NO_LOG_FILE: '0' };
      const ok = expectExit(runCli(['ingest', smallCsv, '--db', db, '--config', cfg], { env }), 0, 'ingest with an unwritable log');
      expect(ok.stdout).to.equal('batch 1: 2000 rows read, 2000 accepted, 0 quarantined\n');
      expect(ok.stderr).to.match(/cannot write the log file .*log-is-a-folder/);
      const failing = expectExit(runCli(['ingest', path.join(tmp(), 'missing.csv'), '--db', db, '--config', cfg], { env }), 3, 'a failing ingest with an unwritable log');
      expect(failing.stderr).to.match(/input file not found/);
      expect(failing.stderr).to.not.match(/Unhandled 'error' event|node:events/);
      if (isRoot && hasRunuser) {
        // a log file owned by root, not writable by the user running the command
        const logFile = path.join(tmp(), 'root-owned.log');
        writeFileSync(logFile, '');
        chmodSync(logFile, 0o644);
        const dbDir = path.join(tmp(), `nobody-${++seq}`);
        mkdirSync(dbDir);
        chmodSync(dbDir, 0o777);
        const asNobody = expectExit(runAsNobody(['ingest', smallCsv, '--db', path.join(dbDir, 'n.duckdb'), '--config', configLoggingTo(logFile)], env), 0, 'ingest as nobody with a root-owned log');
        expect(asNobody.stderr).to.match(/cannot write the log file .*root-owned\.log \(EACCES/);
      }
    });
  });

  describe('pipeline sql: streamed, bounded, interruptible', () => {
    let db: string;
    before(() => {
      db = trainedCopy();
    });

    it('writes all 100 000 rows of a result into a pipe (CSV through wc -l, JSON through cat)', () => {
      const query = "select range as i, 'row ' || range as label, range * 0.5 as half from range(100000)";
      const csv = runPiped(['sql', query, '--format', 'csv', '--db', db], 'wc -l');
      expectExit(csv, 0, 'sql | wc -l');
      expect(csv.consumerOut.trim()).to.equal('100001');
      const json = runPiped(['sql', query, '--format', 'json', '--db', db], 'cat');
      expectExit(json, 0, 'sql | cat');
      const rows = JSON.parse(json.consumerOut) as { i: number; label: string; half: number }[];
      expect(rows).to.have.length(100_000);
      expect(rows[99_999]).to.deep.equal({ i: 99_999, label: 'row 99999', half: 49_999.5 });
    });

    it('stops quietly when the reader closes the pipe (| head)', () => {
      const res = runPiped(['sql', 'select range as i from range(1000000)', '--format', 'csv', '--db', db], 'head -n 3');
      expect(res.consumerOut).to.equal('i\n0\n1\n');
      expectExit(res, 0, 'sql | head');
      expect(res.stderr).to.not.match(/error|EPIPE/i);
    });

    it('shows at most --max-rows rows (100 in a table by default) and says how many were left out', () => {
      const table = expectExit(runCli(['sql', 'select range as i from range(1000)', '--db', db]), 0, 'table');
      const lines = table.stdout.trimEnd().split('\n');
      expect(lines).to.have.length(2 + 100 + 1);
      expect(lines[lines.length - 1]).to.equal('(900 of 1000 rows left out by --max-rows 100: give a larger --max-rows, or --format csv for all)');
      const csv = expectExit(runCli(['sql', 'select range as i from range(1000)', '--format', 'csv', '--max-rows', '5', '--db', db]), 0, 'csv --max-rows 5');
      expect(csv.stdout).to.equal('i\n0\n1\n2\n3\n4\n');
      expect(csv.stderr).to.match(/995 of 1000 rows left out by --max-rows 5/);
    });

    it('interrupts a query at --timeout (exit 3) and releases the database for the next command', () => {
      const t0 = Date.now();
      const res = expectExit(runCli(['sql', 'select sum(range) from range(1000000000000)', '--timeout', '1', '--db', db]), 3, 'sql --timeout 1');
      expect(Date.now() - t0, 'stopped long before the query could finish').to.be.below(30_000);
      expect(res.stderr).to.match(/the query ran longer than 1 s and was stopped \(--timeout\)/);
      expectExit(runCli(['ingest', smallCsv, '--force', '--db', db]), 0, 'a write right after');
    });
  });

  describe('run: arguments checked before the first step (nothing written)', () => {
    it('refuses --output out.xlsx, --output through a file and --output on a training run before any step (exit 2)', async () => {
      const db = trainedCopy();
      const before = await snapshotDb(db);
      const file = path.join(tmp(), 'plain-file.txt');
      writeFileSync(file, 'x');
      const cases: [string[], RegExp][] = [
        [['--type', 'PREDICTION_PIPELINE', '--output', path.join(tmp(), 'out.xlsx')], /--output .*out\.xlsx: use a \.csv, \.parquet or \.json file name/],
        [['--type', 'PREDICTION_PIPELINE', '--output', path.join(file, 'out.csv')], /plain-file\.txt is a file, not a folder/],
        [['--type', 'TRAINING_PIPELINE', '--output', path.join(tmp(), 'out.csv')], /--output is for PREDICTION_PIPELINE/],
      ];
      for (const [args, message] of cases) {
        const res = expectExit(runCli(['run', ...args, '--db', db]), 2, `run ${args.join(' ')}`);
        expect(res.stderr).to.match(message);
        expect(res.stderr, 'no step started').to.not.match(/step data_processing/);
      }
      expect(await snapshotDb(db), 'database unchanged: no run, no model').to.deep.equal(before);
      expect(existsSync(path.join(tmp(), 'out.xlsx'))).to.equal(false);
    });

    it('refuses an --output folder the user may not write before any step (exit 5)', async () => {
      // the database is writable by whoever runs the command: only the output folder is not
      const dbDir = path.join(tmp(), `open-${++seq}`);
      mkdirSync(dbDir);
      chmodSync(dbDir, 0o777);
      const db = copyDb(trained, path.join(dbDir, 'stage.duckdb'));
      chmodSync(db, 0o666);
      const before = await snapshotDb(db);
      const outDir = path.join(tmp(), `out-${++seq}`);
      mkdirSync(outDir, { mode: 0o755 });
      const folder = readOnlyFolder(outDir);
      try {
        const res = expectExit(folder.run(['run', '--type', 'PREDICTION_PIPELINE', '--output', path.join(outDir, 'p.csv'), '--db', db]), 5, 'run --output into a read-only folder');
        expect(res.stderr).to.match(/--output .*p\.csv cannot be written: (EACCES|EROFS)/);
        expect(res.stderr, 'no step started').to.not.match(/step data_processing/);
      } finally {
        folder.undo();
      }
      expect(await snapshotDb(db), 'database unchanged').to.deep.equal(before);
    });
  });
});
