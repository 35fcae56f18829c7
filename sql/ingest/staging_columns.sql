select name
from pragma_table_info('ingest_staging')
order by cid
