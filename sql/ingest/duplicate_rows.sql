-- Accepted rows of this batch whose key an earlier accepted row of the batch already has: each with the first
-- row of its key. The 64-bit hashes of the keys, sorted, find the candidate rows: a hash equal to the one before it
-- repeats (a sort of 8-byte values is cheaper in time and memory than a GROUP BY over millions of distinct keys); a
-- hash collision only adds candidates, since they are then ranked by their exact keys.
create or replace temp table ingest_duplicates as
with
repeated as (
    select distinct h
    from (
        select h, lag(h) over (order by h) as previous
        from (select hash({{key_names}}) as h from raw_data where batch_id = $batch_id)
    )
    where h = previous
),
candidates as (
    select source_row, {{key_names}}
    from raw_data
    where batch_id = $batch_id
      and hash({{key_names}}) in (select h from repeated)
),
ranked as (
    select
        source_row,
        min(source_row) over (partition by {{key_names}}) as first_row,
        row_number() over (partition by {{key_names}} order by source_row) as occurrence
    from candidates
)
select source_row, first_row
from ranked
where occurrence > 1
