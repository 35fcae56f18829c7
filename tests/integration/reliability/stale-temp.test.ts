/**
 * SIGKILL cannot be caught, so a command stopped that way leaves its temp files (an ingest's line-numbered copy of
 * its CSV is as big as the file; `pipeline compile`'s scratch copy of the database as big as the database). Their
 * names carry the process id, and the next ingest or compile removes those whose process is gone
 * (src/temp-files.ts: sweepStaleTempFiles).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sweepStaleTempFiles } from '../../../src/temp-files.ts';
import { generateFile, runCli, useTmpDir } from '../../support/helpers.ts';
import { explain, one, readDb, startCli } from './support.ts';

const ROWS = 300_000;

/** The id of a process that has ended (a child run to its end). */
function deadPid(): number {
  const p = spawnSync(process.execPath, ['-e', '0']);
  return p.pid as number;
}

const pipelineTemps = (dir: string): string[] => readdirSync(dir).filter((f) => f.startsWith('pipeline-')).sort();

describe('reliability: temp files of a command stopped by SIGKILL are removed by the next ingest or compile', function () {
  this.timeout(300_000);
  const tmp = useTmpDir('mlp-stale-temp-');

  it('sweepStaleTempFiles removes the files and folders of ended processes only, and says what it removed', () => {
    const dir = path.join(tmp(), 'sweep');
    mkdirSync(dir);
    const dead = deadPid();
    const hex = 'a1b2c3d4e5f6';
    const staleCsv = `pipeline-ingest-numbered-${dead}-${hex}.csv`;
    const staleDir = `pipeline-compile-${dead}-${hex}`;
    writeFileSync(path.join(dir, staleCsv), 'x'.repeat(1000));
    mkdirSync(path.join(dir, staleDir));
    writeFileSync(path.join(dir, staleDir, 'dev.duckdb'), 'y'.repeat(500));
    // kept: this process's own, a running process's (pid 1 is always there), and names the tool does not make
    const kept = [
      `pipeline-ingest-reread-${process.pid}-${hex}.csv`,
      `pipeline-ingest-numbered-1-${hex}.csv`,
      `pipeline-ingest-numbered-${dead}-notes.csv`,
      `pipeline-report-${dead}-${hex}.html`,
      `other-${dead}-${hex}.csv`,
    ];
    for (const f of kept) writeFileSync(path.join(dir, f), 'z');

    const removed = sweepStaleTempFiles({ dir });
    expect(removed.map((r) => path.basename(r.path)).sort()).to.deep.equal([staleDir, staleCsv].sort());
    expect(removed.map((r) => r.pid)).to.deep.equal([dead, dead]);
    expect(removed.find((r) => r.path.endsWith(staleCsv))?.bytes).to.equal(1000);
    expect(removed.find((r) => r.path.endsWith(staleDir))?.bytes).to.equal(500);
    expect(readdirSync(dir).sort()).to.deep.equal([...kept].sort());
    expect(sweepStaleTempFiles({ dir }), 'a second sweep finds nothing').to.deep.equal([]);
    expect(sweepStaleTempFiles({ dir: path.join(dir, 'missing') }), 'a missing folder').to.deep.equal([]);
  });

  it('an ingest killed by SIGKILL leaves its numbered copy; the next ingest removes it, says so, and accounts for every record', async () => {
    const csv = path.join(tmp(), 'rows.csv');
    await generateFile(csv, { rows: ROWS, seed: 6 });
    const temp = path.join(tmp(), 'tmp-kill');
    mkdirSync(temp);
    const db = path.join(tmp(), 'kill.duckdb');

    const cli = startCli(['ingest', csv, '--db', db], { TMPDIR: temp });
    const until = Date.now() + 120_000;
    while (!pipelineTemps(temp).length) {
      if (Date.now() > until) throw new Error(`no pipeline-ingest-* file in ${temp} within 120 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
    cli.child.kill('SIGKILL');
    const exit = await cli.exited;
    expect(exit.signal, explain(exit)).to.equal('SIGKILL');
    const left = pipelineTemps(temp);
    expect(left, 'SIGKILL leaves the copy').to.have.length(1);
    expect(left[0]).to.match(new RegExp(`^pipeline-ingest-numbered-${cli.child.pid}-[0-9a-f]{12}\\.csv$`));

    const again = runCli(['ingest', csv, '--db', db], { env: { TMPDIR: temp } });
    expect(again.code, again.stderr).to.equal(0);
    expect(`${again.stdout}\n${again.stderr}`).to.include(`removed 1 temp file`).and.include(`PID ${cli.child.pid}, no longer running`).and.include(left[0]);
    expect(pipelineTemps(temp), 'temp files left').to.deep.equal([]);
    const counts = await readDb(db, (d) => one<{ read: number; accepted: number; quarantined: number }>(d, 'select sum(rows_read)::int as read, sum(rows_accepted)::int as accepted, sum(rows_quarantined)::int as quarantined from ingest_batches'));
    expect(counts.read).to.equal(ROWS);
    expect(counts.accepted + counts.quarantined).to.equal(ROWS);
  });

  it('pipeline compile removes a stale scratch folder and leaves none of its own', () => {
    const temp = path.join(tmp(), 'tmp-compile');
    mkdirSync(temp);
    const stale = path.join(temp, `pipeline-compile-${deadPid()}-0123456789ab`);
    mkdirSync(stale);
    writeFileSync(path.join(stale, 'dev.duckdb'), 'x');
    const db = path.join(tmp(), 'compile.duckdb');
    const csv = path.join(tmp(), 'small.csv');
    return generateFile(csv, { rows: 3000, seed: 7 }).then(() => {
      expect(runCli(['ingest', csv, '--db', db]).code).to.equal(0);
      const out = runCli(['compile', '--db', db, '--out', path.join(tmp(), 'compiled')], { env: { TMPDIR: temp } });
      expect(out.code, out.stderr).to.equal(0);
      expect(`${out.stdout}\n${out.stderr}`).to.include('removed 1 temp file');
      expect(existsSync(stale)).to.equal(false);
      expect(pipelineTemps(temp), 'compile leaves no scratch folder').to.deep.equal([]);
    });
  });

  it('pipeline compile stopped by SIGINT removes its scratch copy of the database', async () => {
    const temp = path.join(tmp(), 'tmp-compile-int');
    mkdirSync(temp);
    const db = path.join(tmp(), 'compile-int.duckdb');
    const csv = path.join(tmp(), 'int.csv');
    await generateFile(csv, { rows: 50_000, seed: 8 });
    expect(runCli(['ingest', csv, '--db', db]).code).to.equal(0);
    const cli = startCli(['compile', '--db', db, '--out', path.join(tmp(), 'compiled-int')], { TMPDIR: temp });
    const until = Date.now() + 60_000;
    // the scratch copy is made before the run starts: wait for the database file inside the folder
    const scratchDb = () => pipelineTemps(temp).some((d) => existsSync(path.join(temp, d, 'compile-int.duckdb')));
    while (!scratchDb()) {
      if (Date.now() > until) throw new Error(`no pipeline-compile-* folder with its copy in ${temp} within 60 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
    cli.child.kill('SIGINT');
    const exit = await cli.exited;
    expect(exit.signal, explain(exit)).to.equal('SIGINT');
    expect(pipelineTemps(temp), 'scratch folder left').to.deep.equal([]);
  });
});
