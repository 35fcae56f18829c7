-- The most frequent reasons a batch's rows were quarantined: one row per kind of reason (the reason without the
-- value in parentheses), with how many rows gave it and the first line and reason of that kind.
with
reasons as (
    select q.source_row, r.reason, regexp_replace(r.reason, '\s*\(.*\)$', '') as kind
    from quarantine as q, unnest(q.reasons) as r(reason)
    where q.batch_id = $batch_id
)
select
    kind,
    count(distinct source_row) as n_rows,
    min(source_row) as first_line,
    arg_min(reason, source_row) as first_reason
from reasons
group by kind
order by n_rows desc, first_line
limit $top
