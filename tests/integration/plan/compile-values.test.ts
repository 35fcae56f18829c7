/**
 * `pipeline compile` shortens a long bound value (a list of per-group terms, thousands of characters) in a
 * statement's header and writes every value of that statement in full beside it (`NNN_name.values.json`), so a
 * compiled statement can be run again as it was: here the evaluation's statement that writes the test rows'
 * intervals, run again with its values file on the database the real run made, writes the same table.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../../src/db/database.ts';
import { compileRun, writePlan } from '../../../src/pipelines/compile.ts';
import { runTrainingPipeline } from '../../../src/pipelines/training.ts';
import { defaultConfig, expectExit, generateFile, runCli, useTmpDir } from '../../support/helpers.ts';
import { quietLogger } from '../byod/example.ts';

describe('pipeline compile: values too long for the header are written in full beside the statement', function () {
  this.timeout(180_000);
  quietLogger();
  const tmp = useTmpDir('mlp-compile-values-');

  it('the values file holds every bound value; the statement run again with it writes the same table as the run', async () => {
    const config = defaultConfig();
    const open = { threads: config.duckdb.threads, memoryLimit: config.duckdb.memory_limit, deterministic: config.duckdb.deterministic };
    const csv = path.join(tmp(), 'history.csv');
    await generateFile(csv, { rows: 4000, seed: 11 });
    const db = path.join(tmp(), 'stage.duckdb');
    expectExit(runCli(['ingest', csv, '--db', db]), 0, 'ingest');

    const compiled = await compileRun(config, 'DEV', db, { type: 'TRAINING_PIPELINE', open });
    const out = path.join(tmp(), 'compiled');
    const files = writePlan(out, 'TRAINING_PIPELINE', compiled.statements);
    expect(files).to.have.length(compiled.statements.length);

    // a values file exactly beside the statements whose header shortens a value, holding all of that statement's values
    let withValues = 0;
    files.forEach((file, i) => {
      const s = compiled.statements[i];
      const header = readFileSync(file, 'utf8').split('\n').filter((l) => /^-- \$\d+ = /.test(l));
      expect(header, file).to.have.length(s.params.length);
      const valuesFile = file.replace(/\.sql$/, '.values.json');
      const shortened = header.filter((l) => / characters; in full in /.test(l));
      expect(existsSync(valuesFile), file).to.equal(shortened.length > 0);
      if (!shortened.length) return;
      withValues++;
      expect(shortened[0]).to.include(`in full in ${path.basename(valuesFile)})`);
      const values = JSON.parse(readFileSync(valuesFile, 'utf8')) as unknown[];
      expect(values).to.deep.equal(JSON.parse(JSON.stringify(s.params)));
      // the header's shortened text is the start of the value in full
      header.forEach((line, k) => {
        const shown = line.replace(/^-- \$\d+ = /, '');
        if (shown.includes(' characters; in full in ')) expect(JSON.stringify(values[k]).startsWith(shown.slice(0, shown.indexOf('… (')))).to.equal(true);
        else expect(shown).to.equal(JSON.stringify(values[k]));
      });
    });
    expect(withValues, 'statements with a values file').to.be.above(0);
    const folder = path.join(out, 'TRAINING_PIPELINE');
    const onDisk = readdirSync(folder).flatMap((d) => readdirSync(path.join(folder, d)));
    expect(onDisk.filter((f) => f.endsWith('.values.json'))).to.have.length(withValues);

    // the real run, then its evaluation's intervals statement again, from the compiled file and its values
    const stage = await openDatabase(db, open);
    try {
      await runTrainingPipeline(stage, config, 'DEV');
    } finally {
      await stage.close();
    }
    const i = compiled.statements.findIndex((s) => s.step === 'model_evaluation' && s.file === 'sql/model_prediction/predictions.sql');
    expect(i, 'the evaluation writes its intervals table').to.be.at.least(0);
    const file = files[i];
    const text = readFileSync(file, 'utf8');
    const table = /create table "(eval_intervals_r\d+)" as/.exec(text)?.[1] as string;
    expect(table).to.be.a('string');
    const values = JSON.parse(readFileSync(file.replace(/\.sql$/, '.values.json'), 'utf8')) as (string | number)[];
    const instance = await DuckDBInstance.create(db);
    try {
      const con = await instance.connect();
      await con.run(`alter table "${table}" rename to run_made`);
      await con.run(text, values);
      const count = async (q: string) => Number((await con.runAndReadAll(q)).getRows()[0][0]);
      const n = await count('select count(*) from run_made');
      expect(n).to.be.above(500);
      expect(await count(`select count(*) from "${table}"`)).to.equal(n);
      expect(await count(`select count(*) from (select * from run_made except all select * from "${table}")`)).to.equal(0);
      con.closeSync();
    } finally {
      instance.closeSync();
    }
  });
});
