-- A run's processed rows (processed_select.sql) as a table or a view: training's is a view over raw_data, not a
-- copy; a prediction run's a view over its batch (the replayed values written in as literals), read by prediction
-- and drift; a batch processed elsewhere a table.
create {{relation_kind}} {{processed_table}} as
{{processed_select}}
