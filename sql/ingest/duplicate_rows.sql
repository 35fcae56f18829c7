-- Accepted rows of this batch whose key an earlier accepted row of the batch already has: each with the first
-- row of its key. One GROUP BY over the batch finds the repeated keys; only their rows are ranked.
create or replace temp table ingest_duplicates as
with
repeated as (
    select {{key_names}}
    from raw_data
    where batch_id = $batch_id
    group by all
    having count(*) > 1
),
ranked as (
    select
        r.source_row,
        min(r.source_row) over (partition by {{key_names_r}}) as first_row,
        row_number() over (partition by {{key_names_r}} order by r.source_row) as occurrence
    from raw_data as r
    semi join repeated as n on {{key_match}}
    where r.batch_id = $batch_id
)
select source_row, first_row
from ranked
where occurrence > 1
