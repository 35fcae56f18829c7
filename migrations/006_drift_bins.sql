-- The histograms and level counts each data-drift decision was made on, saved when the batch is tested, so the
-- report shows the counts the tests saw (the reference sample and the batch's hash sample) instead of recounting.

-- one row per run × feature × bin (numeric feature: equal-width bins over the pooled 0.1%–99.9% quantiles of both
-- tested samples, values beyond counted in the first or last bin) or level (categorical feature, and its missing)
create table if not exists data_drift_bins (
    run_id integer not null,
    feature varchar not null,
    feature_kind varchar not null,
    -- numeric: the bin's index; categorical: the level's position in level order
    bin integer not null,
    -- numeric: the bin's edges
    bin_start double,
    bin_end double,
    -- categorical: the level ('(missing)' for rows without one)
    level varchar,
    is_missing boolean not null,
    n_ref bigint not null,
    n_cur bigint not null,
    primary key (run_id, feature, bin)
);
