-- The run's split as train_test_split recorded it: which rows of raw_data its test view holds.
select method, seed, test_fraction, time_cutoff
from train_test_split_metadata
where run_id = $run_id
