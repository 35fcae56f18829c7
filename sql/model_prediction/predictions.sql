-- Predictions of the active model with a prediction interval. Normal theory: ŷ ± t · sqrt(s² (1 + h)), where
-- the leverage h = 1/n + (x - x̄)ᵀ (XᵀX)⁻¹ (x - x̄) is split into a quadratic form over the numeric features
-- and the per-level-combination terms of the row's group. Split-conformal: ŷ ± q, q a quantile of held-out
-- absolute residuals (per group where the group had enough held-out rows). {{half_width}} is one of the two.
-- Flags mark rows whose interval is less reliable: high leverage, an unseen level, an out-of-range or an
-- imputed value ({{flags}}: row_flags.sql; the evaluation's table of the test rows has none: it records the
-- intervals' coverage, and an empty list per row was a fifth of the statement's time). Written once, in one
-- parallel pass: the transform of the processed view and this expression are computed here only (reading a view
-- of them instead would compute them again in every pass that reads it).
-- The table keeps the processed rows' order (raw_data's: a batch's file order), so one-thread sums over it are
-- bit-identical run to run without a sort: each row's group terms (__g_i, __c, its level coefficients __b_i,
-- computed in TypeScript from (XᵀX)⁻¹) are read from lists by the row's index among every combination of levels,
-- with no join; where the combinations are too many for lists, {{grouped_select}} joins interval_groups (the
-- combinations present, {{group_ctes}}) and {{order_by}} restores the order.
create table {{predictions_table}} as
with
{{group_ctes}}centred as (
    select *, {{centred_numerics}}
    from {{processed_table}}
),
grouped as (
    {{grouped_select}}
),
scored as (
    select
        p.batch_id,
        p.source_row,
        {{key_columns}},
        p.{{target}} as actual,
        {{prediction}} as prediction,
        $inv_n + {{quadratic}} + 2 * ({{linear}}) + p.__c as leverage,
        {{group_value}} as __conformal_group,
        p.unseen_levels,
        p.clipped_values,
        p.imputed_values
    from grouped p
)
select
    batch_id,
    source_row,
    {{key_names}},
    actual,
    prediction,
    prediction - {{half_width}} as prediction_lower,
    prediction + {{half_width}} as prediction_upper,
    leverage
    {{flags}}
from scored
{{order_by}}
