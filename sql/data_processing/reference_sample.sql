-- A bounded, seeded sample of the training rows' raw feature values: what drift detection compares new
-- batches with. The rows with the smallest hashes of their key; the top bits of the hash pre-filter a
-- generous share first, so only that share is sorted, and only that share is tested for {{fit_rows}} (the training
-- side of the split).
create table {{reference_table}} as
with input_rows as ({{input_rows}})
select {{raw_features}}
from input_rows
where (hash($seed, {{key_columns}}) >> 44) < $keep_of_1048576 and {{fit_rows}}
order by hash($seed, {{key_columns}}), {{key_columns}}
limit $sample_size
