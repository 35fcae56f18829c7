-- Normal-theory coverage of the held-out rows per level of the conformal group: a pooled residual variance
-- can cover 90% overall while covering one level fully and another far less.
select {{group_value}}::varchar as grp, count(*) as n, avg((e.actual between e.prediction_lower and e.prediction_upper)::integer) as coverage
from {{intervals_table}} e
join {{test_view}} t on t.batch_id = e.batch_id and t.source_row = e.source_row
where e.actual is not null
group by all
order by grp
