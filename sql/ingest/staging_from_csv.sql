-- The file as text, one row per record, in file order. The header was read and checked before (src/ingest/csv-scan.ts),
-- so nothing is guessed: the columns are named by position (col_0, col_1, …) and the dialect is the contract's.
-- Records that do not parse (wrong field count, unclosed quote, invalid UTF-8, line too long) go to ingest_reject_errors.
-- A record longer than the reader's buffer would vanish without a reject, so the buffer is made larger than the
-- file's longest record (measured by the scan); records over max_line_size are then rejected, with their line.
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
    max_line_size = $max_line_size,
    buffer_size = $buffer_size,
    store_rejects = true,
    rejects_table = 'ingest_reject_errors',
    rejects_scan = 'ingest_reject_scans'
)
