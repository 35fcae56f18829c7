select
    v.model_version, v.run_id, v.created_at, v.algorithm, v.n_train, v.r2_train, v.test_rmse, v.test_r2, v.last_decision, v.is_active,
    exists (select 1 from stage_pins p where p.model_version = v.model_version) as is_pinned,
    case when m.source_stage is not null then m.source_stage || ' v' || m.source_model_version end as promoted_from
from v_model_metrics v
join models m using (model_version)
order by v.model_version
