-- A temp view of an ingest (src/ingest/ingest.ts: TEMP_VIEWS), dropped before and after a batch.
drop view if exists {{name}}
