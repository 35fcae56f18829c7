-- The split's counts and time ranges, from the design sums processing wrote (no pass over the rows).
select
    coalesce(sum(n) filter (where is_test), 0)::bigint as n_test,
    coalesce(sum(n) filter (where not is_test), 0)::bigint as n_train,
    min(min_time) filter (where not is_test)::varchar as train_min_time,
    max(max_time) filter (where not is_test)::varchar as train_max_time,
    min(min_time) filter (where is_test)::varchar as test_min_time,
    max(max_time) filter (where is_test)::varchar as test_max_time
from {{sums_table}}
