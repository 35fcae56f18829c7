-- For every categorical feature and level: its count in the reference sample and in the batch
-- (rows without a level: level '(missing)', is_missing true).
with
ref as (from (select {{reference_columns}} from {{reference_table}}) unpivot include nulls (level for feature in ({{reference_columns}}))),
cur as (from (select {{current_features}} from {{current_rows}}) unpivot include nulls (level for feature in ({{reference_columns}})))
select feature, coalesce(level, '(missing)') as level, level is null as is_missing, sum(in_ref)::bigint as n_ref, sum(in_cur)::bigint as n_cur
from (
    select feature, level, 1 as in_ref, 0 as in_cur from ref
    union all
    select feature, level, 0 as in_ref, 1 as in_cur from cur
)
group by all
order by feature, level
