select train_view, test_view, n_train, n_test from train_test_split_metadata where run_id = $run_id
