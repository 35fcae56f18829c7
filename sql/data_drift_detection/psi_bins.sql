-- Counts per bin for PSI: bin edges are reference quantiles (a JSON list, $edges); a value's bin is the number of edges below it.
with
ref as (select {{reference_value}} as v from {{reference_table}}),
cur as (select {{current_value}} as v from {{current_rows}}),
edges as (select from_json($edges, '["DOUBLE"]') as e)
select bin, sum(in_ref)::bigint as n_ref, sum(in_cur)::bigint as n_cur
from (
    select len(list_filter((select e from edges), x -> x < v)) as bin, 1 as in_ref, 0 as in_cur from ref where isfinite(v)
    union all
    select len(list_filter((select e from edges), x -> x < v)) as bin, 0 as in_ref, 1 as in_cur from cur where isfinite(v)
)
group by bin
order by bin
