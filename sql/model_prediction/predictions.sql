-- Predictions of the active model with a prediction interval: ŷ ± t · sqrt(s² (1 + h)), where the
-- leverage h = 1/n + (x - x̄)ᵀ (XᵀX)⁻¹ (x - x̄) is split into a quadratic form over the numeric
-- features and the per-level-combination terms of interval_groups.
create table {{predictions_table}} as
with
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
        p.unseen_levels,
        p.clipped_values
    from centred p
    {{group_join}}
)
select
    batch_id,
    source_row,
    {{key_names}},
    actual,
    prediction,
    prediction - $t_quantile * sqrt($residual_variance * (1 + leverage)) as prediction_lower,
    prediction + $t_quantile * sqrt($residual_variance * (1 + leverage)) as prediction_upper,
    leverage,
    list_filter([
        case when leverage > $leverage_limit then 'high_leverage' end,
        case when unseen_levels > 0 then 'unseen_level' end,
        case when clipped_values > 0 then 'out_of_range' end
    ], f -> f is not null) as flags
from scored
