-- The file as text, one row per Parquet row, in file order.
create or replace temp table ingest_staging as
select columns(*)::varchar
from read_parquet($path)
