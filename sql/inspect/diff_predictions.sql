-- Model B's predictions on its own test rows (its evaluation table) beside model A's on the same rows. A sees the
-- rows through its own processing (its features, levels, scaling and bounds), replayed from their raw values.
select t.actual, t.prediction, {{a_prediction}} as active_prediction
from {{eval_table}} as t
join (
    select batch_id, source_row, {{a_model_ready}}
    from (
        select r.batch_id, r.source_row, {{a_raw_features}}
        from raw_data as r
        semi join {{eval_table}} as e on r.batch_id = e.batch_id and r.source_row = e.source_row
    )
) as a on a.batch_id = t.batch_id and a.source_row = t.source_row
