-- Whether raw_data holds rows of earlier batches that a labelled row of this batch could supersede. The timestamp is
-- part of the key, so only older rows inside the time range of the batch's labelled rows can: a batch of later dates
-- (the usual new batch) is told apart from the history by one pass over its rows and a range filter over the older
-- ones, without the join of supersede_older_rows.sql.
with
labelled_span as (
    select min({{timestamp}}) as first_time, max({{timestamp}}) as last_time
    from raw_data
    where batch_id = $batch_id and {{target}} is not null
)
select count(*) > 0 as any_older
from (
    select 1
    from raw_data, labelled_span
    where raw_data.batch_id < $batch_id
      and raw_data.superseded_by is null
      and raw_data.{{timestamp}} between labelled_span.first_time and labelled_span.last_time
    limit 1
)
