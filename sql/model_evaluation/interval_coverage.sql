-- Coverage of the held-out rows: by the normal-theory interval, and by the split-conformal interval
-- cross-fitted (a row of one hash half gets the half-width calibrated on the other half, per group where
-- that half had enough rows of the group), so the conformal figure is not measured on its own calibration rows.
with
rows as (
    select
        e.actual,
        e.prediction,
        e.prediction_lower,
        e.prediction_upper,
        (hash(e.batch_id, e.source_row) % 2)::varchar as half,
        {{group_value}} as grp
    from {{intervals_table}} e
    join {{test_view}} t on t.batch_id = e.batch_id and t.source_row = e.source_row
    where e.actual is not null
),
widths as (
    select
        *,
        coalesce(
            list_extract(from_json($group_widths, '["DOUBLE"]'), list_position(from_json($group_keys, '["VARCHAR"]'), (1 - half::integer)::varchar || '|' || grp)),
            list_extract(from_json($half_widths, '["DOUBLE"]'), list_position(from_json($half_keys, '["VARCHAR"]'), (1 - half::integer)::varchar))
        ) as other_half_width
    from rows
)
select
    count(*) as n,
    avg((actual between prediction_lower and prediction_upper)::integer) as normal_coverage,
    avg(coalesce(abs(actual - prediction) <= other_half_width, true)::integer) as conformal_coverage
from widths
