import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { SQL_DIR } from '../db/sql-runner.ts';

const PLANS: Record<string, { step: string; note?: string }[]> = {
  TRAINING_PIPELINE: [
    { step: 'data_processing', note: 'fit scaling, clipping bounds and levels on all labelled history' },
    { step: 'train_test_split' },
    { step: 'model_training' },
    { step: 'model_evaluation' },
    { step: 'model_deployment', note: 'the gate and its record: typed queries in src/registry/deploy.ts' },
  ],
  PREDICTION_PIPELINE: [
    { step: 'data_processing', note: "replay the active model's processing on the batch" },
    { step: 'data_drift_detection', note: 'drift with new labels ⇒ TRAINING_PIPELINE as a child run' },
    { step: 'model_prediction' },
    { step: 'model_drift_detection', note: 'drift with new labels ⇒ TRAINING_PIPELINE as a child run' },
    { step: 'serve_prediction' },
  ],
};

/** The steps of a pipeline in order, with the SQL files each step's folder holds; touches no database. */
export function printPlan(type: string): string {
  const lines = [`${type}:`];
  PLANS[type].forEach(({ step, note }, i) => {
    lines.push(`  ${i + 1}. ${step}${note ? `  (${note})` : ''}`);
    const dir = path.join(SQL_DIR, step);
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) lines.push(`       sql/${step}/${f}`);
  });
  return `${lines.join('\n')}\n`;
}
