/**
 * The command outside the checkout: installed with `npm install -g .` (into a temp prefix), run from another
 * folder with `--config`; relative paths in a config are taken from the config file's folder, paths on the
 * command line from the current folder. Also the no-install alternative, `npx --prefix CHECKOUT pipeline`.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { expectExit, PROJECT_ROOT, rawDefaultConfig, useTmpDir, writeYaml, type CliResult } from '../../support/helpers.ts';

const NPM = 'npm';
const NPX = 'npx';

/** Runs a program (not the checkout's bin) in `cwd`, with the log file off. */
function run(file: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): CliResult {
  const res = spawnSync(file, args, { cwd, env: { ...process.env, PIPELINE_NO_LOG_FILE: '1', ...env }, encoding: 'utf8', timeout: 120_000 });
  if (res.error) throw res.error;
  return { code: res.status, signal: res.signal, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}

describe('foundation: the command installed and run from another folder', function () {
  this.timeout(120_000);
  const tmp = useTmpDir('mlp-install-');
  let bin: string;
  let project: string;
  let work: string;
  let config: string;

  before(() => {
    const prefix = path.join(tmp(), 'prefix');
    // a folder install links the checkout (no download); --offline makes sure nothing is fetched
    expectExit(run(NPM, ['install', '-g', PROJECT_ROOT, '--prefix', prefix, '--offline', '--no-audit', '--no-fund', '--loglevel=error'], tmp()), 0, 'npm install -g');
    bin = path.join(prefix, 'bin', 'pipeline');
    // a project folder of one's own: a config whose stage paths are relative (to the config file), and a work folder
    project = path.join(tmp(), 'project');
    work = path.join(tmp(), 'work');
    mkdirSync(project);
    mkdirSync(work);
    const raw = rawDefaultConfig();
    raw.stages = { DEV: { database: 'db/dev.duckdb' }, UAT: { database: 'db/uat.duckdb' }, PROD: { database: 'db/prod.duckdb' } };
    config = writeYaml(path.join(project, 'config.yaml'), raw);
  });

  it('npm install -g puts `pipeline` on the prefix bin path, and --help works from any folder', () => {
    expect(existsSync(bin)).to.equal(true);
    const res = expectExit(run(bin, ['--help'], work), 0);
    expect(res.stdout).to.match(/^pipeline <command> \[options\]/);
  });

  it('a real command from another folder: config paths from the config file, command-line paths from the current folder', () => {
    expectExit(run(bin, ['generate', '--rows', '200', '--seed', '3', '--out', 'small.csv'], work), 0);
    expect(existsSync(path.join(work, 'small.csv'))).to.equal(true);
    const ingest = expectExit(run(bin, ['ingest', 'small.csv', '--config', config], work), 0);
    expect(ingest.stdout).to.match(/^batch 1: 200 rows read, 200 accepted, 0 quarantined/);
    const dbFile = path.join(project, 'db', 'dev.duckdb');
    expect(existsSync(dbFile)).to.equal(true);
    expect(existsSync(path.join(work, 'db'))).to.equal(false);
    const status = expectExit(run(bin, ['status', '--config', config], work), 0);
    expect(status.stdout).to.include(`Stage DEV — ${dbFile}`);
    const rows = expectExit(run(bin, ['sql', 'select count(*) as n from raw_data', '--format', 'csv', '--stage', 'dev', '--config', config], work), 0);
    expect(rows.stdout).to.equal('n\n200\n');
  });

  it('without installing: npx --prefix CHECKOUT pipeline, from another folder', () => {
    const res = expectExit(run(NPX, ['--prefix', PROJECT_ROOT, 'pipeline', 'sql', 'select count(*) as n from raw_data', '--format', 'csv', '--config', config], work), 0);
    expect(res.stdout).to.equal('n\n200\n');
  });
});
