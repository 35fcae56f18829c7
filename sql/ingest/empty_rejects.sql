create or replace temp table ingest_rejects (line bigint, reason varchar, csv_line varchar)
