/** What data_processing fitted on training data and replays on new data: the only inputs of the model-ready transform. */
export interface NumericParams {
  name: string;
  /** Centre: the training mean (also with scaling 'none', so sums of squares stay precise for large values). */
  mean: number;
  /** Scale divisor: the training standard deviation (1 when scaling is off or the feature is constant). */
  std: number;
  lo: number;
  hi: number;
  /** The value a missing raw value is imputed with (the training mean or median of the feature), before clipping; default the mean. */
  fill?: number;
}

export interface CategoricalParams {
  name: string;
  /** Levels seen in training; the first is the reference level (coded as all-zero dummies). */
  levels: string[];
  /** The level a missing value becomes (`(missing)` or the most frequent training level); null: none fitted (rejected at ingest). */
  fill?: string | null;
}

/** A feature left out of the design by processing, with the reason (e.g. constant on the training rows). */
export interface DroppedFeature {
  name: string;
  reason: string;
}

export interface FitParams {
  fittedRunId: number;
  numerics: NumericParams[];
  categoricals: CategoricalParams[];
  /** Features processing left out of the design (constant on the training rows). */
  dropped?: DroppedFeature[];
}

/** Design-matrix column names: numeric features, then one dummy per non-reference level (`category=level`). */
export function designColumns(p: Pick<FitParams, 'numerics' | 'categoricals'>): string[] {
  return [...p.numerics.map((n) => n.name), ...p.categoricals.flatMap((c) => c.levels.slice(1).map((l) => `${c.name}=${l}`))];
}
