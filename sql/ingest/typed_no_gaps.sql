-- The typed path read every record into raw_data: no missing lines.
create or replace temp table ingest_gaps (line bigint)
