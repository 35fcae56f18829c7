select count(*) as n from ingest_duplicates
