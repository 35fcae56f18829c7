import { z } from 'zod';

export { STAGES, type Stage } from './stages.ts';

const identifier = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lowercase identifier: letters, digits and _, starting with a letter or _');

/** How a numeric feature's missing value is filled: a training statistic, with an optional 0/1 missing indicator. */
const numericImputation = z.object({ impute: z.enum(['mean', 'median']).default('mean'), indicator: z.boolean().default(false) }).strict();

const columnSchema = z
  .object({
    name: identifier,
    role: z.enum(['id', 'timestamp', 'categorical', 'numeric', 'target']),
    type: z.enum(['varchar', 'double', 'integer', 'date', 'timestamp']).optional(),
    description: z.string().optional(),
    levels: z.array(z.string().min(1)).min(2).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    /** Absent: false, or true when `missing` imputes. */
    nullable: z.boolean().optional(),
    missing: z.union([z.literal('reject'), z.enum(['missing_level', 'most_frequent']), numericImputation]).optional(),
  })
  .strict();

const driftMethod = z.enum(['ks', 'chi_square', 'wasserstein', 'jensen_shannon', 'psi']);
const driftOverride = z.object({ method: driftMethod, threshold: z.number().positive() }).strict();

export const configSchema = z
  .object({
    project: z.string().default('ml-pipeline'),
    stages: z
      .object({
        DEV: z.object({ database: z.string().min(1) }).strict(),
        UAT: z.object({ database: z.string().min(1) }).strict(),
        PROD: z.object({ database: z.string().min(1) }).strict(),
      })
      .strict(),
    duckdb: z
      .object({
        threads: z.number().int().min(1).max(256).default(2),
        memory_limit: z.string().regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'must look like 4GB or 512MiB').default('256MB'),
        deterministic: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    dataset: z
      .object({
        name: identifier,
        description: z.string().optional(),
        delimiter: z.string().length(1).default(','),
        time: z
          .object({
            column_kind: z.enum(['date', 'timestamp', 'integer']),
            format: z.string().optional(),
            calendar_features: z.boolean().default(true),
          })
          .strict(),
        columns: z.array(columnSchema).min(2),
        derived: z.record(identifier, z.union([z.string().min(1), z.object({ expression: z.string().min(1), missing: numericImputation.optional() }).strict()])).default({}),
      })
      .strict(),
    synthetic: z
      .object({
        enabled: z.boolean().default(true),
        rows: z.number().int().positive().default(100000),
        seed: z.number().int().nonnegative().default(42),
        scenario: z.enum(['baseline', 'covariate-shift', 'concept-shift', 'target-shift']).default('baseline'),
        start_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).default('2024-01-01'),
      })
      .strict()
      .optional(),
    steps: z
      .object({
        data_processing: z
          .object({
            scaling: z.enum(['standard', 'none']).default('standard'),
            clip_quantiles: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).default([0, 1]),
            out_of_range: z.enum(['clip', 'keep']).default('clip'),
            unseen_level: z.enum(['reference', 'error']).default('reference'),
          })
          .strict()
          .prefault({}),
        train_test_split: z
          .object({
            method: z.enum(['random', 'time']).default('random'),
            test_fraction: z.number().gt(0).lt(1).default(0.2),
            seed: z.number().int().nonnegative().default(42),
          })
          .strict()
          .prefault({}),
        model_training: z
          .object({
            ridge_lambda: z.number().nonnegative().default(0),
            exclude_features: z.array(z.string()).default([]),
            window: z.object({ from: z.union([z.string(), z.number()]).optional(), to: z.union([z.string(), z.number()]).optional() }).strict().default({}),
            refit: z.enum(['time_split', 'always', 'never']).default('time_split'),
          })
          .strict()
          .prefault({}),
        model_deployment: z
          .object({
            rmse_tolerance: z.number().nonnegative().default(0.05),
            min_r2: z.number().max(1).optional(),
            max_rmse: z.number().positive().optional(),
          })
          .strict()
          .prefault({}),
        data_drift_detection: z
          .object({
            p_value_threshold: z.number().gt(0).lt(1).default(0.05),
            distance_threshold: z.number().positive().default(0.1),
            dataset_drift_share: z.number().gt(0).max(1).default(0.5),
            important_feature_share: z.number().gt(0).max(1).default(0.2),
            min_batch_rows: z.number().int().min(1).default(20),
            missing_share_increase: z.number().gt(0).max(1).default(0.05),
            permutations: z.number().int().min(99).max(100000).default(1999),
            reference_sample_size: z.number().int().positive().default(100000),
            psi_bins: z.number().int().min(2).max(100).default(10),
            features: z.record(z.string(), driftOverride).default({}),
            retrain_on_drift: z.boolean().default(true),
          })
          .strict()
          .prefault({}),
        model_prediction: z
          .object({
            interval_level: z.number().gt(0).lt(1).default(0.9),
            leverage_flag_multiple: z.number().positive().default(3),
            interval_method: z.enum(['auto', 'normal', 'conformal']).default('auto'),
            conformal_group: z.string().optional(),
            conformal_min_group_size: z.number().int().min(10).default(100),
            batch_check_min_labelled: z.number().int().min(2).default(20),
            batch_check_p_value: z.number().gt(0).lt(1).default(0.01),
          })
          .strict()
          .prefault({}),
        model_drift_detection: z
          .object({
            rmse_ratio_threshold: z.number().min(1).default(1.25),
            min_labelled_rows: z.number().int().min(2).default(20),
            method: driftMethod.optional(),
            threshold: z.number().positive().optional(),
            retrain_on_drift: z.boolean().default(true),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    retention: z.object({ keep_runs: z.number().int().min(1).default(5) }).strict().prefault({}),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
export type ColumnSpec = ParsedConfig['dataset']['columns'][number];

export const loggingSchema = z
  .object({
    level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    file: z.string().default('logs/pipeline.log'),
    file_level: z.enum(['error', 'warn', 'info', 'debug']).default('debug'),
  })
  .strict();
export type LoggingConfig = z.output<typeof loggingSchema>;
