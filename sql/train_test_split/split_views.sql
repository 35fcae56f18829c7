-- Train and test as views over the processed table: a row's side is a function of its key (and the
-- seed), so the same row always falls on the same side, and no rows are copied.
create or replace view {{view}} as
select *
from {{processed_table}}
where {{predicate}}
