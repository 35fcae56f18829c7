-- A bounded, seeded sample of the training rows' raw feature values: what drift detection compares new batches with.
create table {{reference_table}} as
with input_rows as ({{input_rows}})
select {{raw_features}}
from input_rows
order by hash($seed, {{key_columns}}), {{key_columns}}
limit $sample_size
