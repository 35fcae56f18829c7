-- The file as text, one row per parsed record, in file order; records that do not parse go to reject_errors.
create or replace temp table ingest_staging as
select *
from read_csv(
    $path,
    header = true,
    all_varchar = true,
    delim = $delimiter,
    quote = '"',
    escape = '"',
    store_rejects = true,
    rejects_table = 'ingest_reject_errors',
    rejects_scan = 'ingest_reject_scans'
)
