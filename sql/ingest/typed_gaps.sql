-- The typed path's missing lines: the file's records (record k is on line p + (k - k0) of the last line-map point
-- before it) that are not in raw_data for this batch. Each was rejected by the typed reader or breaks a rule.
create or replace temp table ingest_gaps as
with expected as (
    select coalesce(m.p + (r.k - m.k), r.k + 2) as line
    from range(0, $records) as r(k)
    asof left join ingest_line_map as m on r.k >= m.k
)
select e.line
from expected as e
where not exists (select 1 from raw_data as d where d.batch_id = $batch_id and d.source_row = e.line)
order by e.line
