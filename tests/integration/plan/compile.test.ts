/**
 * `pipeline compile` and `run --dry-run`: the plan is the SQL a run executes.
 *
 * 1. A real run executes exactly the statements that compiling it just before listed, in the same order (the plan
 *    is made by running on a scratch copy, so this checks that the copy behaves as the stage database and that
 *    compiling changed nothing).
 * 2. Snapshots: the SQL text of every statement of a training and a prediction run, for the default contract and
 *    each example contract, as committed under tests/fixtures/compiled/. A change to the SQL a run executes shows
 *    up there as a diff to review; `npm run update-sql-snapshots` rewrites them.
 */
import { expect } from 'chai';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from '../../../src/config/load.ts';
import { openDatabase } from '../../../src/db/database.ts';
import { compileRun, type CompiledStatement, type PipelineType } from '../../../src/pipelines/compile.ts';
import { runPredictionPipeline } from '../../../src/pipelines/prediction.ts';
import { runTrainingPipeline } from '../../../src/pipelines/training.ts';
import { recordStatements } from '../../../src/sql/recorder.ts';
import { expectExit, PROJECT_ROOT, runCli, useTmpDir } from '../../support/helpers.ts';
import { quietLogger } from '../byod/example.ts';

const SNAPSHOTS = path.join(PROJECT_ROOT, 'tests/fixtures/compiled');
const UPDATE = process.env.UPDATE_SQL_SNAPSHOTS === '1';

interface Case {
  name: string;
  /** config file (default: config/config.yaml) */
  config?: string;
  /** how to get a labelled history and a batch into the database */
  history: (dir: string) => string;
  batch: (dir: string) => string;
}

function generated(dir: string, name: string, rows: number, seed: number, start: string, config?: string): string {
  const out = path.join(dir, name);
  expectExit(runCli(['generate', '--rows', String(rows), '--seed', String(seed), '--start-date', start, '--out', out, ...(config ? ['--config', config] : [])]), 0, 'generate');
  return out;
}

const EXAMPLES = path.join(PROJECT_ROOT, 'config/examples');
const CASES: Case[] = [
  {
    name: 'default',
    history: (dir) => generated(dir, 'history.csv', 4000, 5, '2024-01-01'),
    batch: (dir) => generated(dir, 'batch.csv', 1000, 6, '2024-03-01'),
  },
  {
    name: 'country_energy_co2',
    config: path.join(EXAMPLES, 'country_energy_co2/config.yaml'),
    history: () => path.join(EXAMPLES, 'country_energy_co2/data/history_1990_2015.csv'),
    batch: () => path.join(EXAMPLES, 'country_energy_co2/data/batch_2020_2024_covariate_shift.csv'),
  },
  {
    name: 'country_panel_nulls',
    config: path.join(EXAMPLES, 'country_panel_nulls/config.yaml'),
    history: () => path.join(EXAMPLES, 'country_panel_nulls/data/history_2000_2015.csv'),
    batch: () => path.join(EXAMPLES, 'country_panel_nulls/data/batch_2016_2019.csv'),
  },
];

const openOptions = (config: Config) => ({ threads: config.duckdb.threads, memoryLimit: config.duckdb.memory_limit, deterministic: config.duckdb.deterministic });

/** The statements as a snapshot: each one's position, step and source file, then its SQL text (values are parameters). */
function snapshotText(statements: readonly CompiledStatement[]): string {
  return statements.map((s) => `-- ${String(s.order).padStart(3, '0')} ${s.step ?? '(run log)'} · ${s.file ?? 'query'}\n${s.sql.trim()}\n`).join('\n');
}

function checkSnapshot(file: string, text: string): void {
  if (UPDATE || !existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    if (!UPDATE) throw new Error(`${path.relative(PROJECT_ROOT, file)} did not exist: written now; review and commit it`);
    return;
  }
  const expected = readFileSync(file, 'utf8');
  if (expected !== text) {
    const a = expected.split('\n');
    const b = text.split('\n');
    const at = a.findIndex((l, i) => l !== b[i]);
    expect.fail(`the SQL of the run differs from ${path.relative(PROJECT_ROOT, file)} from line ${at + 1}:\n  committed: ${a[at]}\n  now:       ${b[at]}\n(if the change is meant, run npm run update-sql-snapshots and review the diff)`);
  }
}

describe('pipeline compile: the SQL a run executes', () => {
  quietLogger();
  const tmp = useTmpDir('mlp-compile-');

  for (const c of CASES) {
    describe(`${c.name} contract`, () => {
      let db: string;
      let config: Config;
      let batch: string;
      before(() => {
        db = path.join(tmp(), `${c.name}.duckdb`);
        config = loadConfig(c.config);
        const cfg = c.config ? ['--config', c.config] : [];
        const history = c.history(tmp());
        batch = c.batch(tmp());
        expectExit(runCli(['ingest', history, '--db', db, ...cfg]), 0, 'ingest');
      });

      it('a training run executes exactly the statements compiling it listed, in order; the SQL matches the snapshot', async () => {
        const before = path.join(tmp(), `${c.name}-before.duckdb`);
        copyFileSync(db, before);
        const compiled = await compileRun(config, 'DEV', db, { type: 'TRAINING_PIPELINE', open: openOptions(config) });
        // compiling did not touch the stage database
        expect(readFileSync(db).equals(readFileSync(before)), 'the stage database is unchanged by compile').to.equal(true);
        const executed = await runRecorded(db, config, 'TRAINING_PIPELINE');
        expect(executed.map((s) => s.sql)).to.deep.equal(compiled.statements.map((s) => s.sql));
        expect(executed.map((s) => `${s.step}|${s.file}`)).to.deep.equal(compiled.statements.map((s) => `${s.step}|${s.file}`));
        checkSnapshot(path.join(SNAPSHOTS, c.name, 'TRAINING_PIPELINE.sql'), snapshotText(compiled.statements));
      });

      it('a prediction run executes exactly the statements compiling it listed, in order; the SQL matches the snapshot', async () => {
        const cfg = c.config ? ['--config', c.config] : [];
        // the batch is ingested first, so the plan holds no temporary file name
        expectExit(runCli(['ingest', batch, '--db', db, ...cfg]), 0, 'ingest');
        const compiled = await compileRun(config, 'DEV', db, { type: 'PREDICTION_PIPELINE', open: openOptions(config) });
        const executed = await runRecorded(db, config, 'PREDICTION_PIPELINE');
        expect(executed.map((s) => s.sql)).to.deep.equal(compiled.statements.map((s) => s.sql));
        checkSnapshot(path.join(SNAPSHOTS, c.name, 'PREDICTION_PIPELINE.sql'), snapshotText(compiled.statements));
      });
    });
  }

  describe('the compile command and run --dry-run', () => {
    let db: string;
    before(() => {
      db = path.join(tmp(), 'cli.duckdb');
      expectExit(runCli(['ingest', CASES[0].history(tmp()), '--db', db]), 0, 'ingest');
      expectExit(runCli(['run', '--type', 'TRAINING_PIPELINE', '--db', db]), 0, 'training');
    });

    it('writes one file per statement in execution order, and run --dry-run prints the same plan', () => {
      const out = path.join(tmp(), 'target');
      const res = expectExit(runCli(['compile', '--type', 'PREDICTION_PIPELINE', '--rescore', '--db', db, '--out', out, '--quiet']), 0, 'compile');
      const root = path.join(out, 'PREDICTION_PIPELINE');
      const folders = readdirSync(root).sort();
      expect(folders).to.include.members(['00_run', '01_data_processing', '02_data_drift_detection', '03_model_prediction', '04_model_drift_detection', '05_serve_prediction']);
      const predictions = readdirSync(path.join(root, '03_model_prediction')).filter((f) => f.endsWith('_predictions.sql'));
      expect(predictions).to.have.length(1);
      const text = readFileSync(path.join(root, '03_model_prediction', predictions[0]), 'utf8');
      expect(text).to.match(/^-- statement \d+ of the run, step model_prediction\n-- from sql\/model_prediction\/predictions\.sql\n/);
      expect(text).to.match(/create table "predictions_r\d+" as/);
      const files = folders.flatMap((f) => readdirSync(path.join(root, f)).filter((n) => n.endsWith('.sql')));
      expect(res.stdout).to.include(`${files.length} statements written under`);
      const dry = expectExit(runCli(['run', '--type', 'PREDICTION_PIPELINE', '--rescore', '--dry-run', '--db', db, '--quiet']), 0, 'run --dry-run');
      // the same plan, statement by statement, as the compile command printed
      expect(dry.stdout.split('\n').filter((l) => /^\s+\d+\s/.test(l))).to.deep.equal(res.stdout.split('\n').filter((l) => /^\s+\d+\s/.test(l)));
    });
  });
});

async function runRecorded(dbPath: string, config: Config, type: PipelineType): Promise<{ sql: string; step?: string; file?: string }[]> {
  const db = await openDatabase(dbPath, openOptions(config));
  const rec = recordStatements();
  try {
    if (type === 'TRAINING_PIPELINE') await runTrainingPipeline(db, config, 'DEV');
    else await runPredictionPipeline(db, config, 'DEV', {});
  } finally {
    rec.stop();
    await db.close();
  }
  return rec.statements;
}
