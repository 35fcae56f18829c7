select
    (select count(*) from ingest_validated) + (select count(*) from ingest_rejects) as rows_read,
    (select count(*) from ingest_validated where len(reasons) = 0) as rows_accepted,
    (select count(*) from ingest_validated where len(reasons) > 0) + (select count(*) from ingest_rejects) as rows_quarantined
