import { expect } from 'chai';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../../src/db/database.ts';
import { listMigrations, migrate, MIGRATIONS_DIR } from '../../../src/db/migrate.ts';
import { SqlError } from '../../../src/errors.ts';
import { tableNames, useTmpDir, withDb } from '../../support/helpers.ts';

/** The tables DESIGN.md names whose columns do not depend on the dataset contract. */
const DESIGN_TABLES = [
  'ingest_batches',
  'quarantine',
  'pipeline_runs',
  'step_runs',
  'data_processing_metadata',
  'train_test_split_metadata',
  'models',
  'model_training_metadata',
  'model_evaluation_metadata',
  'model_deployment_history',
  'active_model',
  'data_drift_results',
  'model_drift_results',
];

/** Every `create table [if not exists] NAME` in the project's migration files. */
function tablesCreatedByMigrations(): string[] {
  const names = new Set<string>();
  for (const m of listMigrations()) {
    for (const match of m.sql.matchAll(/create\s+table\s+(?:if\s+not\s+exists\s+)?"?(\w+)"?/gi)) names.add(match[1].toLowerCase());
  }
  return [...names];
}

function migrationDir(root: string, name: string, files: Record<string, string>): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
  return dir;
}

describe('foundation: migrations', () => {
  const tmp = useTmpDir();

  it('lists the numbered files in order, ignoring other files', () => {
    const dir = migrationDir(tmp(), 'listing', {
      '010_ten.sql': 'select 10',
      '002_two.sql': 'select 2',
      '001_one.sql': 'select 1',
      'README.md': '# not a migration',
      'notes.sql': 'select 0',
    });
    const list = listMigrations(dir);
    expect(list.map((m) => [m.version, m.name, m.file])).to.deep.equal([
      [1, 'one', '001_one.sql'],
      [2, 'two', '002_two.sql'],
      [10, 'ten', '010_ten.sql'],
    ]);
    expect(list[0].checksum).to.match(/^[0-9a-f]{16}$/);
    expect(list[0].checksum).to.not.equal(list[1].checksum);
  });

  it('gives a fresh database every table and one schema_migrations row per file', async () => {
    const dbPath = path.join(tmp(), 'fresh.duckdb');
    await withDb(
      async (db) => {
        const tables = await tableNames(db);
        expect(tables).to.include.members(DESIGN_TABLES);
        expect(tables).to.include.members(tablesCreatedByMigrations());
        expect(tables).to.include('schema_migrations');
        const files = listMigrations();
        expect(files.length).to.be.greaterThan(0);
        const rows = await db.query<{ version: number; name: string; checksum: string; applied_at: Date }>('select * from schema_migrations order by version');
        expect(rows.map((r) => [r.version, r.name, r.checksum])).to.deep.equal(files.map((m) => [m.version, m.name, m.checksum]));
        for (const r of rows) expect(r.applied_at).to.be.instanceOf(Date);
        const seqs = await db.query<{ name: string }>('select sequence_name as name from duckdb_sequences() order by 1');
        expect(seqs.map((s) => s.name)).to.include.members(['ingest_batch_id_seq', 'run_id_seq', 'model_version_seq', 'deployment_id_seq']);
      },
      { path: dbPath },
    );
  });

  it('re-opening and re-running migrate is a no-op', async () => {
    const dbPath = path.join(tmp(), 'rerun.duckdb');
    await withDb(async () => undefined, { path: dbPath });
    await withDb(
      async (db) => {
        const before = await db.query('select version, checksum, applied_at from schema_migrations order by version');
        expect(await migrate(db)).to.deep.equal([]);
        expect(await migrate(db, MIGRATIONS_DIR)).to.deep.equal([]);
        expect(await db.query('select version, checksum, applied_at from schema_migrations order by version')).to.deep.equal(before);
      },
      { path: dbPath },
    );
  });

  it('upgrades an older database with the new migration and records it', async () => {
    const first = listMigrations()[0];
    const v1 = migrationDir(tmp(), 'v1', {});
    copyFileSync(path.join(MIGRATIONS_DIR, first.file), path.join(v1, first.file));
    const extra = `-- a later schema change\ncreate table upgrade_probe (id integer primary key, note varchar);\ninsert into upgrade_probe values (1, 'seeded by 002');\nalter table ingest_batches add column upgrade_note varchar;\n`;
    const v2 = migrationDir(tmp(), 'v2', { [first.file]: readFileSync(path.join(MIGRATIONS_DIR, first.file), 'utf8'), '002_upgrade_probe.sql': extra });
    const dbPath = path.join(tmp(), 'older.duckdb');

    // the "older" database: only the first migration applied
    await withDb(
      async (db) => {
        expect(await migrate(db, v1)).to.deep.equal([first.version]);
        expect(await tableNames(db)).to.not.include('upgrade_probe');
      },
      { path: dbPath, migrate: false },
    );

    // a later version of the code brings 002
    await withDb(
      async (db) => {
        expect(await migrate(db, v2)).to.deep.equal([2]);
        expect(await db.query('select * from upgrade_probe')).to.deep.equal([{ id: 1, note: 'seeded by 002' }]);
        const cols = await db.query<{ name: string }>("select column_name as name from information_schema.columns where table_name = 'ingest_batches'");
        expect(cols.map((c) => c.name)).to.include('upgrade_note');
        const rows = await db.query<{ version: number; name: string; checksum: string }>('select version, name, checksum from schema_migrations order by version');
        expect(rows).to.deep.equal([
          { version: first.version, name: first.name, checksum: first.checksum },
          { version: 2, name: 'upgrade_probe', checksum: listMigrations(v2)[1].checksum },
        ]);
        expect(await migrate(db, v2)).to.deep.equal([]);
        expect(await db.query('select count(*) as n from upgrade_probe')).to.deep.equal([{ n: 1 }]);
      },
      { path: dbPath, migrate: false },
    );
  });

  it('rolls back a failing migration whole, names its file and statement, and applies it once fixed', async () => {
    const first = listMigrations()[0];
    const good = readFileSync(path.join(MIGRATIONS_DIR, first.file), 'utf8');
    const broken = migrationDir(tmp(), 'broken', {
      [first.file]: good,
      '002_half.sql': 'create table half_done (a integer);\ninsert into half_done values (1);\ninsert into no_such_table values (1);\n',
    });
    const dbPath = path.join(tmp(), 'broken.duckdb');
    await withDb(
      async (db) => {
        let caught: unknown;
        try {
          await migrate(db, broken);
        } catch (err) {
          caught = err;
        }
        expect(caught).to.be.instanceOf(SqlError);
        expect((caught as SqlError).message).to.match(/^migration 002_half\.sql failed at statement 3: /);
        expect((caught as SqlError).file).to.equal('002_half.sql');
        // 001 went in (its own transaction), 002 left nothing behind
        expect(await db.query('select version from schema_migrations order by 1')).to.deep.equal([{ version: first.version }]);
        expect(await tableNames(db)).to.not.include('half_done');

        writeFileSync(path.join(broken, '002_half.sql'), 'create table half_done (a integer);\ninsert into half_done values (1);\n');
        expect(await migrate(db, broken)).to.deep.equal([2]);
        expect(await db.query('select a from half_done')).to.deep.equal([{ a: 1 }]);
      },
      { path: dbPath, migrate: false },
    );
  });

  it('openDatabase applies the project migrations to a new file', async () => {
    const dbPath = path.join(tmp(), 'nested', 'dir', 'auto.duckdb');
    const db = await openDatabase(dbPath);
    try {
      const [{ n }] = await db.query<{ n: number }>('select count(*) as n from schema_migrations');
      expect(n).to.equal(listMigrations().length);
    } finally {
      await db.close();
    }
  });
});
