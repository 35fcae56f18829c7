-- A temp table of an ingest (src/ingest/ingest.ts: TEMP_TABLES), dropped before and after a batch.
drop table if exists {{name}}
