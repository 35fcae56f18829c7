-- Every served prediction with the row's key; (run_id, batch_id, source_row) is unique by construction too (each run
-- serves a batch row once).
create table if not exists served_predictions (
    run_id integer not null,
    batch_id integer not null,
    source_row bigint not null,
    {{key_columns}},
    prediction double not null,
    prediction_lower double,
    prediction_upper double,
    interval_level double,
    model_version integer not null,
    flags varchar[] not null,
    served_at timestamp not null,
    superseded_by_run integer
)
