-- One row per categorical feature and level seen, with its count.
with
input_rows as ({{input_rows}}),
category_values as (select {{categorical_features}} from input_rows),
long_values as (from category_values unpivot include nulls (level for feature in ({{categorical_features}})))
select feature, level, count(*) as n
from long_values
group by feature, level
order by feature, level
