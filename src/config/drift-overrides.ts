import type { ParsedConfig } from './schema.ts';

/** The drift methods that fit each kind of feature (see src/steps/drift-tests.ts and docs/drift.md). */
export const DRIFT_METHODS_FOR_KIND = {
  numeric: ['ks', 'wasserstein', 'psi'],
  categorical: ['chi_square', 'jensen_shannon', 'psi'],
} as const satisfies Record<'numeric' | 'categorical', readonly string[]>;
const FITS: Record<'numeric' | 'categorical', readonly string[]> = DRIFT_METHODS_FOR_KIND;

/**
 * Problems with drift-method overrides, each naming its key: a per-feature method that does not fit the feature's
 * kind (jensen_shannon or chi_square on a numeric, ks or wasserstein on a categorical), and a prediction-distribution
 * method that does not fit a numeric value. Features the contract does not have are reported by buildContract.
 */
export function driftOverrideProblems(cfg: ParsedConfig, numericFeatures: ReadonlySet<string>, categoricalFeatures: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const [name, o] of Object.entries(cfg.steps.data_drift_detection.features)) {
    const kind = numericFeatures.has(name) ? 'numeric' : categoricalFeatures.has(name) ? 'categorical' : null;
    if (kind && !FITS[kind].includes(o.method)) {
      problems.push(`steps.data_drift_detection.features.${name}.method: ${o.method} does not fit ${kind} feature '${name}' (use ${FITS[kind].join(', ')})`);
    }
  }
  const m = cfg.steps.model_drift_detection.method;
  if (m && !FITS.numeric.includes(m)) problems.push(`steps.model_drift_detection.method: ${m} does not fit the prediction (numeric): use ${FITS.numeric.join(', ')}`);
  return problems;
}
