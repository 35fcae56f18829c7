-- The time at or before which the oldest (1 - test_fraction) of the input rows fall; later rows are the test set.
select quantile_disc({{timestamp}}, 1 - $test_fraction)::varchar as cutoff
from ({{input_rows}})
