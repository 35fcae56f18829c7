-- Sets DuckDB's buffer-pool limit. Lowered for a moment before a retrain inside a prediction run, it makes DuckDB
-- drop the blocks the prediction steps left cached (the pool keeps every block it read until it is full); set back
-- to the configured limit (duckdb.memory_limit) right after.
set memory_limit = {{memory_limit}}
