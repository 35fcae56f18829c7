/** What data_processing fitted on training data and replays on new data: the only inputs of the model-ready transform. */
export interface NumericParams {
  name: string;
  mean: number;
  /** Scale divisor: the training standard deviation (1 when scaling is off or the feature is constant). */
  std: number;
  lo: number;
  hi: number;
}

export interface CategoricalParams {
  name: string;
  /** Levels seen in training; the first is the reference level (coded as all-zero dummies). */
  levels: string[];
}

export interface FitParams {
  fittedRunId: number;
  numerics: NumericParams[];
  categoricals: CategoricalParams[];
}

/** Design-matrix column names: numeric features, then one dummy per non-reference level (`category=level`). */
export function designColumns(p: Pick<FitParams, 'numerics' | 'categoricals'>): string[] {
  return [...p.numerics.map((n) => n.name), ...p.categoricals.flatMap((c) => c.levels.slice(1).map((l) => `${c.name}=${l}`))];
}
