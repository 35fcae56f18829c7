/** Pure statistics for drift detection and model training (arrays / counts in, plain objects out). */

export { chiSquareHomogeneity, type ChiSquareResult } from './chi-square.ts';
export { jensenShannonDistance } from './jensen-shannon.ts';
export { kstwoSf, smirnovSf } from './kolmogorov.ts';
export {
  ksPValue,
  ksStatistic,
  ksStatisticFromCounts,
  ksTest,
  ksTestFromCounts,
  type KsMethod,
  type KsResult,
} from './ks.ts';
export {
  fitOls,
  predictionHalfWidth,
  predictOls,
  sufficientStatsFromRows,
  type OlsFit,
  type OlsOptions,
  type SufficientStats,
} from './ols.ts';
export { populationStabilityIndex } from './psi.ts';
export { studentTQuantile } from './student-t.ts';
export { logBeta, logGamma, regularizedBeta, regularizedGammaQ } from './special.ts';
export { wasserstein1, wasserstein1FromCounts } from './wasserstein.ts';
