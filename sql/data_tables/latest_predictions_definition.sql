select sql from duckdb_views() where view_name = 'v_latest_predictions' and schema_name = 'main'
