-- Coverage of the held-out rows: by the normal-theory interval, and by the split-conformal interval
-- cross-fitted (a row of one hash half gets the half-width calibrated on the other half, per group where
-- that half had enough rows of the group), so the conformal figure is not measured on its own calibration rows.
with widths as (
    select
        *,
        coalesce(
            list_extract(from_json($group_widths, '["DOUBLE"]'), list_position(from_json($group_keys, '["VARCHAR"]'), (1 - half::integer)::varchar || '|' || grp)),
            list_extract(from_json($half_widths, '["DOUBLE"]'), list_position(from_json($half_keys, '["VARCHAR"]'), (1 - half::integer)::varchar))
        ) as other_half_width
    from eval_residuals
)
select
    count(*) as n,
    avg(normal_covered::integer) as normal_coverage,
    avg(coalesce(abs_residual <= other_half_width, true)::integer) as conformal_coverage
from widths
