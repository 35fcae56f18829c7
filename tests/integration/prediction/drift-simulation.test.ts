/**
 * The drift decisions judged as decisions: a reduced run of the drift simulation (bench/lib/drift-sim.ts, the same
 * code as `npm run drift-sim`). A model is trained on one synthetic year of 100 facilities; batches are drawn from
 * other scored years (no drift: rows across a whole baseline year, so seasons match the reference) and from a
 * covariate-shift and a concept-shift year, and go through the pipeline's own decision functions.
 *
 * Targets: false alarms (retrain decisions on no-drift batches) at most 5% at every size, detection of covariate
 * and concept shift at least 95% from 500 rows. On b57679b the same batches gave false alarms of 100% at 20 and
 * 50 rows (fixed distance thresholds against a large reference), which the first test would catch.
 */
import { expect } from 'chai';
import { DEFAULT_CONFIG_PATH } from '../../../src/config/load.ts';
import { prepareSimulation, simulate, type CellResult, type SimData } from '../../../bench/lib/drift-sim.ts';
import { rawDefaultConfig, removeDir, tmpDir } from '../../support/helpers.ts';
import { quietLogger } from '../byod/example.ts';

/** Largest count of k alarms in n batches still consistent with a true rate of p (one-sided, z = 2.33, ≈ 1%). */
const upper = (p: number, n: number) => n * p + 2.33 * Math.sqrt(n * p * (1 - p));

describe('drift decisions: simulated false-alarm and detection rates (reduced drift-sim)', function () {
  this.timeout(180_000);
  quietLogger(); // the scored pools drift on purpose (retraining off): their warnings are expected
  let dir: string;
  let data: SimData;
  let cells: CellResult[];
  const cell = (scenario: string, rows: number) => cells.find((c) => c.scenario === scenario && c.rows === rows)!;

  before(async () => {
    dir = tmpDir('mlp-driftsim-');
    data = await prepareSimulation({
      dir,
      rawConfig: rawDefaultConfig(),
      configSource: DEFAULT_CONFIG_PATH,
      yearRows: 36_500,
      facilities: 100,
      baselineSeeds: [101],
      shiftSeeds: [201],
      shifts: ['covariate-shift', 'concept-shift'],
    });
    cells = [
      ...simulate(data, [10, 20, 50, 200], () => 200, 7, ['no drift']),
      ...simulate(data, [500], () => 100, 7, ['no drift', 'covariate-shift', 'concept-shift']),
    ];
  });
  after(() => removeDir(dir));

  it('no-drift batches: retrain decisions at most 5% (binomial slack) at 20, 50, 200 and 500 rows; main rule fails at 20 rows', () => {
    for (const rows of [20, 50, 200, 500]) {
      const c = cell('no drift', rows);
      expect(c.tooFewRows, `${rows} rows judged`).to.equal(0);
      expect(c.retrain, `false alarms at ${rows} rows: ${c.retrain} of ${c.batches} (data ${c.data}, model ${c.model})`).to.be.at.most(upper(0.05, c.batches));
    }
    // The same batches under main's rule (fixed W/sd and JS thresholds of 0.1, RMSE ratio > 1.25 with no n).
    const main = cell('no drift', 20);
    expect(main.mainRetrain, "main's rule at 20 rows").to.be.above(upper(0.05, main.batches));
  });

  it('batches below min_batch_rows (20) are "too few rows to judge" and never retrain', () => {
    const c = cell('no drift', 10);
    expect(c).to.include({ tooFewRows: c.batches, retrain: 0 });
  });

  it('detects covariate shift (data drift) and concept shift (model drift) in at least 95% of 500-row batches', () => {
    const cov = cell('covariate-shift', 500);
    const con = cell('concept-shift', 500);
    expect(cov.data / cov.batches, 'covariate shift: data drift').to.be.at.least(0.95);
    expect(con.model / con.batches, 'concept shift: model drift').to.be.at.least(0.95);
    // Concept shift leaves the inputs alone: data drift stays near its false-alarm rate.
    expect(con.data).to.be.at.most(upper(0.05, con.batches));
  });
});
