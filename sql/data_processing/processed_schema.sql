select name, type
from pragma_table_info($table_name)
order by cid
