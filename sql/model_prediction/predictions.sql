-- Predictions of the active model with a prediction interval. Normal theory: ŷ ± t · sqrt(s² (1 + h)), where
-- the leverage h = 1/n + (x - x̄)ᵀ (XᵀX)⁻¹ (x - x̄) is split into a quadratic form over the numeric features
-- and the per-level-combination terms of interval_groups. Split-conformal: ŷ ± q, q a quantile of held-out
-- absolute residuals (per group where the group had enough held-out rows). {{half_width}} is one of the two.
-- Flags mark rows whose interval is less reliable: high leverage, an unseen level, an out-of-range or an
-- imputed value. Written once, in one parallel pass: the transform of the processed view and this expression are
-- computed here only (reading a view of them instead would compute them again in every pass that reads it).
create table {{predictions_table}} as
with
-- One row per combination of category levels: the group's part of the leverage, g (a vector over the numeric
-- features) and c, computed in TypeScript from (XᵀX)⁻¹, and its level coefficients, passed as parallel JSON lists.
interval_groups as (
    select {{group_columns}}
),
centred as (
    select *, {{centred_numerics}}
    from {{processed_table}}
),
scored as (
    select
        p.batch_id,
        p.source_row,
        {{key_columns}},
        p.{{target}} as actual,
        {{prediction}} as prediction,
        $inv_n + {{quadratic}} + 2 * ({{linear}}) + g.c as leverage,
        {{group_value}} as __conformal_group,
        p.unseen_levels,
        p.clipped_values,
        p.imputed_values
    from centred p
    {{group_join}}
)
select
    batch_id,
    source_row,
    {{key_names}},
    actual,
    prediction,
    prediction - {{half_width}} as prediction_lower,
    prediction + {{half_width}} as prediction_upper,
    leverage,
    list_filter([
        case when leverage > $leverage_limit then 'high_leverage' end,
        case when unseen_levels > 0 then 'unseen_level' end,
        case when clipped_values > 0 then 'out_of_range' end,
        case when imputed_values > 0 then 'imputed' end
    ], f -> f is not null) as flags
from scored
