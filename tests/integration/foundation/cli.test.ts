import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expectExit, rawDefaultConfig, runCli, runCliAsync, useTmpDir, writeYaml } from '../../support/helpers.ts';

describe('foundation: CLI', () => {
  const tmp = useTmpDir();

  it('--help lists the commands and exits 0', () => {
    const res = expectExit(runCli(['--help']), 0);
    for (const cmd of ['generate', 'ingest', 'sql', 'run']) expect(res.stdout).to.match(new RegExp(`pipeline ${cmd}\\b`));
    expect(res.stdout).to.include('--stage');
  });

  it('each command has --help (exit 0)', () => {
    const res = expectExit(runCli(['ingest', '--help']), 0);
    expect(res.stdout).to.include('pipeline ingest <file>');
    expect(res.stdout).to.include('--force');
  });

  it('an unknown command, no command or an invalid option value exit 2 with a message on stderr', async () => {
    const [unknown, none, stage] = await Promise.all([
      runCliAsync(['frobnicate'], { allowDefaultDb: true }),
      runCliAsync([]),
      runCliAsync(['generate', '--out', path.join(tmp(), 'a.csv'), '--stage', 'QA']),
    ]);
    expect(expectExit(unknown, 2).stderr).to.match(/^error: .*frobnicate/m);
    expect(unknown.stdout).to.equal('');
    expect(expectExit(none, 2).stderr).to.match(/Name a command/);
    expect(expectExit(stage, 2).stderr).to.match(/stage/);
    expect(existsSync(path.join(tmp(), 'a.csv'))).to.equal(false);
  });

  it('a config file with problems exits 2 and lists every problem with its key path', () => {
    const raw = rawDefaultConfig();
    raw.duckdb.threads = 'many';
    raw.stages.DEV = { database: 'x.duckdb', colour: 'blue' };
    raw.steps.train_test_split.test_fraction = 2;
    const cfg = writeYaml(path.join(tmp(), 'bad.yaml'), raw);
    const res = expectExit(runCli(['sql', 'select 1', '--config', cfg, '--db', path.join(tmp(), 'x.duckdb')]), 2);
    const lines = res.stderr.split('\n');
    expect(lines[0]).to.equal(`error: invalid configuration in ${cfg}: 3 problems`);
    expect(lines).to.include('  - duckdb.threads: Invalid input: expected number, received string');
    expect(lines).to.include("  - stages.DEV: unknown key(s) 'colour' (allowed: database)");
    expect(lines.some((l) => l.startsWith('  - steps.train_test_split.test_fraction: '))).to.equal(true);
    expect(res.stderr).to.not.match(/\n\s+at /); // no stack trace without --verbose
  });

  it('a contract problem in the config exits 2 with its key path, before touching any file', () => {
    const raw = rawDefaultConfig();
    raw.dataset.derived = { bad: 'energy_mwh * nothing_here' };
    const cfg = writeYaml(path.join(tmp(), 'bad-contract.yaml'), raw);
    const out = path.join(tmp(), 'never.csv');
    const res = expectExit(runCli(['generate', '--rows', '10', '--out', out, '--config', cfg]), 2);
    expect(res.stderr).to.match(/ {2}- dataset\.derived\.bad: unknown column 'nothing_here'/);
    expect(existsSync(out)).to.equal(false);
  });

  it('invalid YAML and a missing config file exit 2', async () => {
    const bad = path.join(tmp(), 'broken.yaml');
    writeFileSync(bad, 'stages: [\n  DEV: 1\n');
    const [invalid, missing] = await Promise.all([
      runCliAsync(['sql', 'select 1', '--config', bad]),
      runCliAsync(['sql', 'select 1', '--config', path.join(tmp(), 'none.yaml')]),
    ]);
    expect(expectExit(invalid, 2).stderr).to.match(/is not valid YAML/);
    expect(expectExit(missing, 2).stderr).to.match(/config file not found/);
  });
  it('generate: --entities and --start are the neutral names of --facilities and --start-date (same bytes)', () => {
    const a = path.join(tmp(), 'named.csv');
    const b = path.join(tmp(), 'neutral.csv');
    expectExit(runCli(['generate', '--rows', '30', '--seed', '3', '--facilities', '3', '--start-date', '2020-02-01', '--out', a]), 0);
    expectExit(runCli(['generate', '--rows', '30', '--seed', '3', '--entities', '3', '--start', '2020-02-01', '--out', b]), 0);
    const text = readFileSync(a, 'utf8');
    expect(readFileSync(b, 'utf8')).to.equal(text);
    // 3 ids, 10 days from 2020-02-01
    expect(new Set(text.trim().split('\n').slice(1).map((l) => l.split(',')[0])).size).to.equal(3);
    expect(text).to.contain('2020-02-10').and.not.contain('2020-02-11');
  });
});
