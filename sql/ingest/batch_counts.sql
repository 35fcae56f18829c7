-- Records read (parsed + malformed) and records rejected before the insert (contract checks + malformed).
select
    (select count(*) from ingest_staging) + (select count(*) from ingest_rejects) as rows_read,
    (select count(*) from ingest_rejected) + (select count(*) from ingest_rejects) as rows_rejected
