select
    model_version, run_id, algorithm, target, numeric_features, categorical_features, design_columns, intercept,
    coefficients, coefficients_original::varchar as coefficients_original, n_train, r2_train, rmse_train,
    residual_variance, dof_residual, feature_means, cov_unscaled::varchar as cov_unscaled, mean_leverage,
    dropped_features::varchar as dropped_features, reference_table
from models
where model_version = $model_version
