-- The first batch ingested from a file with this checksum, with its counts (for a refusal, or to reuse it). A batch
-- that accepted no row does not count: the same file may be ingested again once the contract or the data is fixed.
select batch_id, source_file, ingested_at::varchar as ingested_at, rows_read, rows_accepted, rows_quarantined, rows_labelled, has_target
from ingest_batches
where checksum_sha256 = $checksum
    and rows_accepted > 0
order by batch_id
limit 1
