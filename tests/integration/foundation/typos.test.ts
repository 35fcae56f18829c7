/**
 * Typos on the command line: an unknown command or option is named, with the closest one; an invalid value is
 * echoed with the choices; stage names are accepted in any case. All exit 2, before anything is touched.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { COMMANDS } from '../../../src/cli/commands.ts';
import { expectExit, mapLimit, runCli, runCliAsync, useTmpDir } from '../../support/helpers.ts';

describe('foundation: CLI typos', () => {
  const tmp = useTmpDir();

  it('the command list behind the suggestions is the one --help shows', () => {
    const help = expectExit(runCli(['--help']), 0).stdout;
    const listed = [...help.matchAll(/^ {2}pipeline (\w+)/gm)].map((m) => m[1]);
    expect(listed).to.deep.equal([...COMMANDS]);
  });

  it('`pipeline help [command]` is `pipeline [command] --help`', async () => {
    const [all, run] = await Promise.all([runCliAsync(['help'], { allowDefaultDb: true }), runCliAsync(['help', 'run'], { allowDefaultDb: true })]);
    expect(expectExit(all, 0).stdout).to.match(/^pipeline <command> \[options\]/);
    expect(expectExit(run, 0).stdout).to.match(/^pipeline run\n/);
    expect(run.stdout).to.include('--type');
  });

  it('an unknown command says so, with what the user probably meant, and touches nothing', async () => {
    const db = path.join(tmp(), 'never.duckdb');
    const [trian, statu, staged, far] = await mapLimit(
      [['trian', '--db', db], ['statu', '--db', db], ['--stage', 'UAT', 'modles', 'list', '--db', db], ['frobnicate', '--db', db]],
      4,
      (args) => runCliAsync(args),
    );
    expect(expectExit(trian, 2).stderr).to.include("error: unknown command 'trian'; did you mean 'pipeline run --type TRAINING_PIPELINE'?");
    expect(expectExit(statu, 2).stderr).to.include("error: unknown command 'statu'; did you mean 'pipeline status'?");
    expect(expectExit(staged, 2).stderr).to.include("error: unknown command 'modles'; did you mean 'pipeline models'?");
    const f = expectExit(far, 2).stderr;
    expect(f).to.include("error: unknown command 'frobnicate'\n");
    expect(f).to.include(`commands: ${COMMANDS.join(', ')}`);
    expect(existsSync(db)).to.equal(false);
  });

  it('an unknown option is an error naming the closest option of that command', async () => {
    const db = path.join(tmp(), 'never.duckdb');
    const [typ, limt, formt, extra] = await mapLimit(
      [
        ['run', '--typ', 'TRAINING_PIPELINE', '--db', db],
        ['status', '--limt', '3', '--db', db],
        ['sql', 'select 1', '--formt', 'csv', '--db', db],
        ['status', 'now', '--db', db],
      ],
      4,
      (args) => runCliAsync(args),
    );
    expect(expectExit(typ, 2).stderr).to.match(/^error: unknown option '--typ'; did you mean '--type'\?$/m);
    expect(expectExit(limt, 2).stderr).to.match(/^error: unknown option '--limt'; did you mean '--limit'\?$/m);
    expect(expectExit(formt, 2).stderr).to.match(/^error: unknown option '--formt'; did you mean '--format'\?$/m);
    expect(expectExit(extra, 2).stderr).to.match(/^error: unexpected argument 'now'$/m);
    expect(existsSync(db)).to.equal(false);
  });

  it('an invalid value is echoed with the closest choice and all of them', async () => {
    const db = path.join(tmp(), 'never.duckdb');
    const [action, type] = await mapLimit(
      [
        ['models', 'lst', '--db', db],
        ['run', '--type', 'TRAINING', '--db', db],
      ],
      2,
      (args) => runCliAsync(args),
    );
    const a = expectExit(action, 2).stderr;
    expect(a).to.match(/^error: invalid value 'lst' for action; did you mean 'list'\? \(choices: [a-z, ]+\)$/m);
    for (const choice of ['list', 'show', 'rollback', 'promote']) expect(a).to.match(new RegExp(`choices: .*\\b${choice}\\b`));
    expect(expectExit(type, 2).stderr).to.match(/^error: invalid value 'TRAINING' for type; did you mean 'TRAINING_PIPELINE'\? \(choices: TRAINING_PIPELINE, PREDICTION_PIPELINE\)$/m);
  });

  it('--stage is accepted in any case; an unknown stage lists the stages', async () => {
    const out = path.join(tmp(), 'dev.csv');
    const [lower, bad] = await mapLimit(
      [
        ['generate', '--rows', '10', '--stage', 'dev', '--out', out],
        ['generate', '--rows', '10', '--stage', 'qa', '--out', path.join(tmp(), 'qa.csv')],
      ],
      2,
      (args) => runCliAsync(args),
    );
    expectExit(lower, 0);
    expect(existsSync(out)).to.equal(true);
    expect(expectExit(bad, 2).stderr).to.match(/invalid value 'QA' for stage.*\(choices: DEV, UAT, PROD\)/);
  });
});
