/**
 * `npm run drift-sim`: false-alarm and detection rates of the drift decisions over batch sizes and scenarios,
 * printed as the markdown table of docs/drift.md and the README (bench/lib/drift-sim.ts says how).
 *
 *   npm run drift-sim                 # full: 500 facilities, 200 batches per size and scenario (a few minutes)
 *   npm run drift-sim -- --batches 50 --sizes 20,500,10000
 *
 * Progress goes to stderr; the two tables (docs/drift.md's and the README's short one) to stdout.
 * --json FILE also writes every count.
 */
import { writeFileSync } from 'node:fs';
import YAML from 'yaml';
import { readFileSync } from 'node:fs';
import { DEFAULT_CONFIG_PATH } from '../src/config/load.ts';
import { logger } from '../src/logger.ts';
import { markdownShortTable, markdownTable, prepareSimulation, simulate } from './lib/drift-sim.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const sizes = (arg('sizes') ?? '10,20,50,100,200,500,1000,10000,100000').split(',').map(Number);
const batches = Number(arg('batches') ?? 200);
const seed = Number(arg('seed') ?? 1);
const log = (s: string) => process.stderr.write(`${s}\n`);
// The pipelines' own step logs would mix with the table on stdout.
for (const t of logger.transports) t.level = 'error';

const dir = mkdtempSync(path.join(os.tmpdir(), 'drift-sim-'));
try {
  const t0 = performance.now();
  const data = await prepareSimulation(
    {
      dir,
      rawConfig: YAML.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')),
      configSource: DEFAULT_CONFIG_PATH,
      yearRows: 182_500,
      facilities: 500,
      // 4 no-drift years (730 000 rows) so that 100 000-row batches overlap little; one year per shift.
      baselineSeeds: [101, 102, 103, 104],
      shiftSeeds: [201],
    },
    log,
  );
  log(`setup ${((performance.now() - t0) / 1000).toFixed(0)} s; feature shares of the prediction: ${[...data.roles].map(([f, r]) => `${f} ${(100 * r.importance).toFixed(0)}%`).join(', ')}`);
  const cells = simulate(data, sizes, () => batches, seed, undefined, log);
  log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const json = arg('json');
  if (json) writeFileSync(json, `${JSON.stringify({ sizes, batches, seed, cells }, null, 1)}\n`);
  // A table, not a log: docs/drift.md takes the first, README.md the second.
  process.stdout.write(`<!-- docs/drift.md -->\n${markdownTable(cells)}\n\n<!-- README.md -->\n${markdownShortTable(cells)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
