/**
 * A command stopped by Ctrl-C or `kill` (SIGINT, SIGTERM) removes the temp files it made — an ingest's line-numbered
 * copy of its CSV is as big as the file — and its activity file, then ends by the same signal (src/cli/main.ts).
 * The database is as after a crash: the interrupted ingest committed nothing, and ingesting the file again accounts
 * for every record.
 *
 * The signal is sent as soon as the ingest's numbered copy appears in the command's temp folder (TMPDIR), so it lands
 * while the copy exists.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { activityPath } from '../../../src/runs/activity.ts';
import { generateFile, runCli, useTmpDir } from '../../support/helpers.ts';
import { explain, one, readDb, startCli } from './support.ts';

const ROWS = 300_000;

const ingestTemps = (dir: string): string[] => readdirSync(dir).filter((f) => f.startsWith('pipeline-ingest-'));

/** Resolves when `dir` holds an ingest temp file (polled every 5 ms), rejects after `ms`. */
async function tempFileAppears(dir: string, ms: number): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const [file] = ingestTemps(dir);
    if (file) return file;
    if (Date.now() > until) throw new Error(`no pipeline-ingest-* file in ${dir} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('reliability: a command stopped by a signal leaves no temp files', function () {
  this.timeout(300_000);
  const tmp = useTmpDir('mlp-interrupt-');
  let csv: string;

  before(async () => {
    csv = path.join(tmp(), 'rows.csv');
    await generateFile(csv, { rows: ROWS, seed: 5 });
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} during an ingest: the numbered copy and the activity file are removed, the process ends by ${signal}, nothing was committed`, async () => {
      const temp = path.join(tmp(), `tmp-${signal}`);
      mkdirSync(temp);
      const db = path.join(tmp(), `${signal}.duckdb`);
      const cli = startCli(['ingest', csv, '--db', db], { TMPDIR: temp });
      const seen = await tempFileAppears(temp, 120_000);
      expect(seen).to.match(/^pipeline-ingest-numbered-/);
      cli.child.kill(signal);
      const exit = await cli.exited;
      expect(exit.signal, explain(exit)).to.equal(signal);
      expect(ingestTemps(temp), 'temp files left').to.deep.equal([]);
      expect(existsSync(activityPath(db)), 'activity file left').to.equal(false);

      // the interrupted ingest committed nothing; the same file ingests whole afterwards
      if (existsSync(db)) {
        const before = await readDb(db, (d) => one<{ n: number }>(d, "select count(*)::int as n from information_schema.tables where table_name = 'raw_data'"));
        if (before.n > 0) expect((await readDb(db, (d) => one<{ n: number }>(d, 'select count(*)::int as n from raw_data'))).n).to.equal(0);
      }
      const again = runCli(['ingest', csv, '--db', db], { env: { TMPDIR: temp } });
      expect(again.code, again.stderr).to.equal(0);
      const counts = await readDb(db, (d) => one<{ read: number; accepted: number; quarantined: number }>(d, 'select sum(rows_read)::int as read, sum(rows_accepted)::int as accepted, sum(rows_quarantined)::int as quarantined from ingest_batches'));
      expect(counts.read).to.equal(ROWS);
      expect(counts.accepted + counts.quarantined).to.equal(ROWS);
      expect(ingestTemps(temp), 'temp files left by the second ingest').to.deep.equal([]);
    });
  }
});
