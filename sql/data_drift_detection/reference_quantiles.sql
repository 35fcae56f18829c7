select quantile_cont({{reference_value}}, from_json($probabilities, '["DOUBLE"]')) as edges
from {{reference_table}}
where isfinite({{reference_value}})
