create or replace temp table ingest_rejects (k bigint, line bigint, reason varchar, csv_line varchar)
