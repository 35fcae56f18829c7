-- Whether a table or view of the main schema exists (per-run tables may have been dropped by retention).
select count(*) > 0 as present
from information_schema.tables
where table_schema = 'main' and table_name = $table_name
