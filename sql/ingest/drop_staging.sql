drop table if exists ingest_staging
