-- Normal-theory coverage of the held-out rows per level of the conformal group: a pooled residual variance
-- can cover 90% overall while covering one level fully and another far less.
select grp, count(*) as n, avg(normal_covered::integer) as coverage
from eval_residuals
group by grp
order by grp
