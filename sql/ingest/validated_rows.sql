-- Every contract check on every row, in one parallel pass; only the rows that break a rule are kept, with their
-- reasons and their values as text under the file's column names. The cheap test (any_broken: is any rule
-- broken?) runs on every row; the reasons are spelled out only for the rows it picks. Every other row is accepted
-- (duplicate keys among the accepted rows are found after the insert, with one GROUP BY: duplicate_rows.sql).
-- Each column is trimmed and parsed once, in the two inner projections; the rules read those columns.
create or replace temp table ingest_rejected as
select source_row, {{raw_values}} as raw_values, {{reasons}} as reasons
from (
    select *, {{parsed_values}}
    from (select *, {{text_values}} from ingest_numbered)
)
where {{any_broken}}
