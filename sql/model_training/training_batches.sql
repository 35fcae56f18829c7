select distinct batch_id
from {{train_view}}
order by batch_id
