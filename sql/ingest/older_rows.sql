-- Whether raw_data holds rows of earlier batches that a labelled row of this batch could supersede.
select count(*) > 0 as any_older
from (select 1 from raw_data where batch_id < $batch_id and superseded_by is null limit 1)
