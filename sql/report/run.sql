-- One pipeline run, with the batch it read.
select
    r.run_id,
    r.pipeline_type,
    r.stage,
    r.status,
    r.started_at,
    r.ended_at,
    epoch_ms(r.ended_at) - epoch_ms(r.started_at) as duration_ms,
    r.error,
    r.parent_run_id,
    r.trigger_reason,
    r.batch_id,
    r.model_version,
    r.config_hash,
    b.source_file,
    b.rows_accepted as batch_rows,
    b.rows_labelled as batch_rows_labelled
from pipeline_runs r
left join ingest_batches b using (batch_id)
where r.run_id = $run_id
