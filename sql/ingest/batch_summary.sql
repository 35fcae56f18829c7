select
    count(*) filter (where {{target}} is not null) as rows_labelled,
    min({{timestamp}})::varchar as min_time,
    max({{timestamp}})::varchar as max_time
from raw_data
where batch_id = $batch_id
