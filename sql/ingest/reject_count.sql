-- How many records the CSV reader rejected (0 for Parquet).
select count(*) as n from ingest_rejects
