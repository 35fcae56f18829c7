select
    count(*) filter (where {{is_test}}) as n_test,
    count(*) filter (where not ({{is_test}})) as n_train,
    min({{timestamp}}) filter (where not ({{is_test}}))::varchar as train_min_time,
    max({{timestamp}}) filter (where not ({{is_test}}))::varchar as train_max_time,
    min({{timestamp}}) filter (where {{is_test}})::varchar as test_min_time,
    max({{timestamp}}) filter (where {{is_test}})::varchar as test_max_time
from {{processed_table}}
