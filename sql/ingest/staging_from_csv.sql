-- The file as text, one row per record, in file order. The header was read and checked before (src/ingest/csv-scan.ts),
-- so nothing is guessed: the columns are named by position (col_0, col_1, …) and the dialect is the contract's.
-- Records that do not parse (wrong field count, unclosed quote, invalid UTF-8, line too long) go to ingest_reject_errors.
create or replace temp table ingest_staging as
select *
from read_csv(
    $path,
    auto_detect = false,
    header = true,
    skip = $skip,
    columns = {{columns}},
    delim = $delimiter,
    quote = '"',
    escape = '"',
    store_rejects = true,
    rejects_table = 'ingest_reject_errors',
    rejects_scan = 'ingest_reject_scans'
)
