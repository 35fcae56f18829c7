-- Whether a per-run relation is a table or a view (a training run's processed rows are a view, a batch's a table).
select table_type
from information_schema.tables
where table_schema = 'main' and table_name = $name
