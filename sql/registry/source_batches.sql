-- The batches that trained a source model, as the source stage's ingest_batches describes them.
with trained as (
    select unnest(batches) as batch_id
    from promote_source.main.model_training_metadata
    where run_id = $run_id
)

select
    b.batch_id,
    b.source_file,
    b.checksum_sha256,
    b.rows_accepted,
    b.rows_labelled,
    b.min_time,
    b.max_time,
    strftime(b.ingested_at, '%Y-%m-%d %H:%M:%S') as ingested_at
from promote_source.main.ingest_batches as b
join trained using (batch_id)
order by b.batch_id
