-- The drift decision whose retraining ran this training run, if a drift triggered it.
select d.run_id, d.kind, d.drifted, d.n_drifted, d.n_tests, d.share_drifted, d.threshold, d.action, d.reason,
       d.reference_model_version, d.decided_at
from drift_decisions as d
where d.child_run_id = $run_id
