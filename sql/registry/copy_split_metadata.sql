insert into train_test_split_metadata
select
    $new_run_id as run_id, method, seed, test_fraction, time_cutoff, n_train, n_test, train_min_time, train_max_time,
    test_min_time, test_max_time, train_view, test_view, created_at
from promote_source.main.train_test_split_metadata
where run_id = $run_id
