-- Coverage of the held-out rows by the split-conformal interval cross-fitted: a row of one hash half gets the
-- half-width calibrated on the other half, per level of the conformal group where that half had enough rows of the
-- level ({{group_width}}: looked up by `half|level`, null without a group), else that half's overall one
-- ($half_widths, [half 0, half 1]);
-- so the conformal figure is not measured on its own calibration rows. A row with no half-width counts as covered.
-- An average of 0/1, exact in any row order, so this runs in parallel.
select
    avg(coalesce(abs_residual <= coalesce({{group_width}}, list_extract(from_json($half_widths, '["DOUBLE"]'), 2 - half)), true)::integer) as conformal_coverage
from {{residuals}}
