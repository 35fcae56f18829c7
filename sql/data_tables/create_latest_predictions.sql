-- One row per served row of every batch's current serving: a re-scored batch shows its newest serving only.
create or replace view v_latest_predictions as
select * from served_predictions where superseded_by_run is null
