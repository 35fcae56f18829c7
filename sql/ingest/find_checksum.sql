select batch_id, source_file, ingested_at::varchar as ingested_at
from ingest_batches
where checksum_sha256 = $checksum
order by batch_id
limit 1
