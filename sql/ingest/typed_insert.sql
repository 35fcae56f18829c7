-- The typed path: the accepted rows straight from the file into raw_data, in one parallel typed read_csv of the
-- numbered copy made by the scan (src/ingest/csv-scan.ts). Each record's line is the copy's first column, so no
-- ordinal (row_number, a staged rowid) is needed and the read stays parallel; insertion order is file order.
-- Numbers (and dates of a date-only format) are parsed by the reader; the other columns are trimmed and parsed as in
-- validated_rows.sql. Left out: records the reader cannot use (ignore_errors: a value of the wrong type, a malformed
-- line) and rows that break a rule. They are the batch's missing lines (typed_gaps.sql), re-read as text for their
-- reasons.
insert into raw_data (batch_id, source_row, {{columns}})
select $batch_id, source_row, {{typed_values}}
from (
    select *, {{parsed_values}}
    from (
        select *, {{text_values}}
        from (
            select __ingest_line as source_row, {{contract_columns}}
            from read_csv(
                $path,
                auto_detect = false,
                header = true,
                columns = {{csv_columns}},
                delim = $delimiter,
                quote = '"',
                escape = '"',
                dateformat = $date_format,
                max_line_size = $max_line_size,
                buffer_size = $buffer_size,
                ignore_errors = true
            )
        )
    )
)
where not {{any_broken}}
