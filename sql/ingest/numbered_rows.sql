-- Each parsed record with its physical line in the file. A record's index k counts the rejected records before it
-- (they are not in ingest_staging); its line comes from the line map (blank lines and quoted line breaks shift it).
-- The positional staging columns stay (for the raw values) and also get the contract's names. A view: nothing is copied.
-- The ordinal is the staged rowid from the first one: a table made inside a transaction (the typed path's re-read)
-- numbers its rows from a large offset.
create or replace temp view ingest_numbered as
with
staged as (
    select rowid - (select min(rowid) from ingest_staging) as ordinal, s.*, {{contract_columns}}
    from ingest_staging as s({{positional}})
),
-- rejects_so_far: how many rejected records come before the parsed record of ordinal parsed_before. Consecutive
-- rejected records share a parsed_before: the largest count of the run is the one that holds (an as-of join on a tie
-- would pick any of them).
rejects as (
    select parsed_before, max(rejects_so_far) as rejects_so_far
    from (
        select k - row_number() over (order by k) + 1 as parsed_before, row_number() over (order by k) as rejects_so_far
        from ingest_rejects
    )
    group by parsed_before
),
indexed as (
    select s.ordinal + coalesce(r.rejects_so_far, 0) as k, s.* exclude (ordinal)
    from staged s
    asof left join rejects r on s.ordinal >= r.parsed_before
)
select coalesce(m.p + (i.k - m.k), i.k + 2) as source_row, i.* exclude (k)
from indexed i
asof left join ingest_line_map m on i.k >= m.k
