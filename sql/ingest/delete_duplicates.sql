delete from raw_data
where batch_id = $batch_id
  and source_row in (select source_row from ingest_duplicates)
