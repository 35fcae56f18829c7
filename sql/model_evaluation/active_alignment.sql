-- Whether the active model's predictions (eval_active_r{run}) are of the test rows in the intervals table's order:
-- the two tables paired by position (a positional scan: both read in storage order, in step), every pair must have
-- the same key, and neither table a row more (the shorter side is padded with nulls). Where they are, the stored
-- predictions (a view) pair them by position (eval_predictions_view.sql); otherwise they are joined by key.
select count(*) filter (where t.batch_id is distinct from a.batch_id or t.source_row is distinct from a.source_row) as mismatched
from {{intervals_table}} t
positional join {{active_table}} a
