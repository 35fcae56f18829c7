-- Whether a table's rows are stored in key order (batch_id, source_row), strictly increasing: each row against the
-- next, paired by position (a positional join of the table's scan with the same scan one row on; no sort, no hash
-- table), the keys compared column by column (as row values, several times slower). Run single-threaded, so both
-- sides are read in storage order and the pairing is exact.
-- The evaluation's one pass writes the test rows in the processed rows' order, raw_data's, which ingestion keeps
-- in key order (batches appended in batch_id order, each in file order); where it is, the stored predictions are a
-- view over the rows as they are, not a sorted copy (eval_predictions_view.sql, else eval_predictions.sql).
select count(*) filter (where a.batch_id > b.batch_id or (a.batch_id = b.batch_id and a.source_row >= b.source_row)) as out_of_order
from (select batch_id, source_row from {{table}}) a
positional join (select batch_id, source_row from {{table}} offset 1) b
