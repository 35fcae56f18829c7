/**
 * A feature near 1e12 (varying by hundreds): the fit must hold whether features are scaled or only centred.
 * Sufficient statistics are taken around the training means, so no sum of raw squares (~1e24 each) has to carry a
 * variance of ~1e5. Checked against statsmodels and scikit-learn (tests/fixtures/stats/make_large_values_fixture.py)
 * on the 2 000 rows of tests/fixtures/stats/large_values.csv, through the refit on every labelled row (refit: always),
 * which is fitted on exactly the rows the references were.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../src/config/load.ts';
import { openDatabase, type PipelineDb } from '../../../src/db/database.ts';
import { ingestFile } from '../../../src/ingest/ingest.ts';
import { runTrainingPipeline } from '../../../src/pipelines/training.ts';
import { configForDataset, useTmpDir } from '../../support/helpers.ts';

const FIXTURE_DIR = path.join(PROJECT_ROOT, 'tests/fixtures/stats');
const reference = JSON.parse(readFileSync(path.join(FIXTURE_DIR, 'large_values_reference.json'), 'utf8')) as {
  n: number;
  coefficients: Record<string, number>;
  intercept: number;
  r2: number;
  residual_variance: number;
};

function largeConfig(scaling: 'standard' | 'none') {
  const dataset = {
    name: 'large_values',
    time: { column_kind: 'integer' },
    columns: [
      { name: 'unit_id', role: 'id' },
      { name: 'period', role: 'timestamp', type: 'integer' },
      { name: 'x_big', role: 'numeric' },
      { name: 'x_small', role: 'numeric' },
      { name: 'y', role: 'target' },
    ],
  };
  return configForDataset(dataset, (raw) => {
    raw.steps.data_processing.scaling = scaling;
    raw.steps.model_training.refit = 'always';
    raw.steps.model_deployment.min_r2 = 0;
  });
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('training: a feature near 1e12 against statsmodels and scikit-learn', function () {
  this.timeout(60_000);
  const tmp = useTmpDir('mlp-large-');
  const open: PipelineDb[] = [];
  after(async () => {
    for (const db of open) await db.close();
  });

  for (const scaling of ['standard', 'none'] as const) {
    it(`scaling: ${scaling} — coefficients, intercept, R² and residual variance match to 1e-9, nothing dropped`, async () => {
      const config = largeConfig(scaling);
      const db = await openDatabase(path.join(tmp(), `${scaling}.duckdb`));
      open.push(db);
      await ingestFile(db, config, path.join(FIXTURE_DIR, 'large_values.csv'));
      const out = await runTrainingPipeline(db, config, 'DEV');
      expect(out.refit).to.not.equal(undefined);
      const [m] = await db.query<{ co: string; dropped: string; r2_train: number; residual_variance: number; n_train: number }>(
        'select coefficients_original::varchar as co, dropped_features::varchar as dropped, r2_train, residual_variance, n_train from models where model_version = $1',
        [out.refit!.modelVersion],
      );
      expect(m.n_train).to.equal(reference.n);
      expect(JSON.parse(m.dropped)).to.deep.equal([]);
      const co = JSON.parse(m.co) as { intercept: number; coefficients: Record<string, number> };
      for (const f of ['x_big', 'x_small']) expect(rel(co.coefficients[f], reference.coefficients[f]), f).to.be.at.most(1e-9);
      expect(rel(co.intercept, reference.intercept), 'intercept').to.be.at.most(1e-9);
      expect(Math.abs(m.r2_train - reference.r2), 'R²').to.be.at.most(1e-9);
      expect(rel(m.residual_variance, reference.residual_variance), 'residual variance').to.be.at.most(1e-9);
    });
  }
});
