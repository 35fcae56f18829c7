-- The evaluation predictions of the promoted model's run; a refit's metadata names the gated model's table, its own
-- drift reference (its predictions on those rows) is eval_predictions_r{run} (evaluated_model_version says which).
select predictions_table, model_version, evaluated_model_version from promote_source.main.model_evaluation_metadata where run_id = $run_id
