-- The re-read text must reject exactly the missing lines: the typed read and the rules on text agree on every record.
-- dense: the staged rows are numbered 0, 1, 2, … from their first rowid (numbered_rows.sql relies on it).
with rejected as (
    select source_row as line from ingest_rejected
    union all
    select line from ingest_rejects
)
select
    (select count(*) from ingest_gaps) as gaps,
    (select count(*) from rejected) as rejected,
    (select count(distinct line) from rejected where line in (select line from ingest_gaps)) as gaps_rejected,
    (select coalesce(max(rowid) - min(rowid) + 1, 0) = count(*) from ingest_staging) as dense
