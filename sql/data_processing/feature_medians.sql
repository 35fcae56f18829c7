-- Exact medians over every input row of the features whose missing values are imputed with their median
-- (a median does not depend on the order of the rows, so it runs in parallel).
select
    {{medians}}
from ({{input_rows}})
