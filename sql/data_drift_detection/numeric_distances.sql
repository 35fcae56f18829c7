-- For every numeric feature: the two-sample KS statistic D = max |F_ref - F_cur| and the Wasserstein-1
-- distance ∫ |F_ref - F_cur| dx, from the merged empirical CDFs of the reference sample and the batch.
with
ref as (unpivot (select {{reference_columns}} from {{reference_table}}) on columns(*) into name feature value v),
cur as (unpivot (select {{current_features}} from {{current_rows}}) on columns(*) into name feature value v),
pooled as (
    select feature, v, 1 as in_ref, 0 as in_cur from ref
    union all
    select feature, v, 0 as in_ref, 1 as in_cur from cur
),
counts as (
    select feature, v, sum(in_ref) as rc, sum(in_cur) as cc
    from pooled
    where v is not null and isfinite(v)
    group by feature, v
),
totals as (
    select feature, sum(rc) as n_ref, sum(cc) as n_cur from counts group by feature
),
cdf as (
    select
        c.feature,
        c.v,
        sum(c.rc) over w / t.n_ref as f_ref,
        sum(c.cc) over w / t.n_cur as f_cur,
        lead(c.v) over (partition by c.feature order by c.v) as next_v
    from counts c
    join totals t using (feature)
    window w as (partition by c.feature order by c.v rows between unbounded preceding and current row)
),
ref_moments as (
    select feature, stddev_samp(v) as ref_std, avg(v) as ref_mean from ref where isfinite(v) group by feature
),
cur_moments as (
    select feature, avg(v) as cur_mean from cur where isfinite(v) group by feature
)
select
    feature,
    t.n_ref,
    t.n_cur,
    max(abs(f_ref - f_cur)) as ks_d,
    sum(abs(f_ref - f_cur) * coalesce(next_v - v, 0)) as wasserstein,
    any_value(r.ref_std) as ref_std,
    any_value(r.ref_mean) as ref_mean,
    any_value(m.cur_mean) as cur_mean
from cdf
join totals t using (feature)
left join ref_moments r using (feature)
left join cur_moments m using (feature)
group by feature, t.n_ref, t.n_cur
order by feature
