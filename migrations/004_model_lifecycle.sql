-- Day-to-day model lifecycle (issue 14): identical retrains are skipped, a stage can be pinned to a model,
-- a re-scored batch marks which serving is current, and a promoted model names where it came from.

-- what a training run's input was: the labelled rows (count and an order-independent hash of their contents)
-- and the configuration that shapes a model; a run whose pair equals the active model's trains nothing
alter table models add column if not exists input_fingerprint varchar;
alter table models add column if not exists training_config_hash varchar;

-- a promoted model's origin: the stage, version and training run it was copied from, and that run's batches as
-- the source stage's ingest_batches describes them (batch ids are the source's, not this database's)
alter table models add column if not exists source_stage varchar;
alter table models add column if not exists source_model_version integer;
alter table models add column if not exists source_run_id integer;
alter table models add column if not exists source_lineage json;

-- why a run ended without doing its work (e.g. a training run on the data and config of the active model)
alter table pipeline_runs add column if not exists skip_reason varchar;

-- one row per pinned stage: automatic deployments leave its active model alone until `pipeline models unpin`
create table if not exists stage_pins (
    stage varchar primary key,
    model_version integer not null,
    reason varchar,
    pinned_at timestamp not null,
    deployment_id integer not null
);

-- a re-scored batch: the earlier serving's rows name the run that superseded them (null = current). The table
-- is created from the dataset contract on first use (src/db/data-tables.ts), so it may not exist yet.
alter table if exists served_predictions add column if not exists superseded_by_run integer;
