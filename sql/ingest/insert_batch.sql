insert into ingest_batches (
    batch_id, source_file, file_format, checksum_sha256, file_bytes, rows_read, rows_accepted, rows_quarantined,
    has_target, rows_labelled, min_time, max_time, forced, origin, ingested_at
)
values ($batch_id, $source_file, $file_format, $checksum, $file_bytes, $rows_read, $rows_accepted, $rows_quarantined,
        $has_target, $rows_labelled, $min_time, $max_time, $forced, $origin, $now::timestamp)
