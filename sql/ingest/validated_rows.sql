-- Every contract check on every row: an empty reasons list means the row is accepted.
create or replace temp table ingest_validated as
with checked as (
    select
        *,
        {{reasons}} as reasons,
        row_number() over (partition by {{key_columns}} order by source_row) as key_occurrence,
        min(source_row) over (partition by {{key_columns}}) as key_first_row
    from ingest_numbered
)
select
    * exclude (reasons, key_occurrence, key_first_row),
    case
        when key_occurrence > 1 and len(reasons) = 0
            then ['duplicate key: same ' || $key_label || ' as row ' || key_first_row::varchar]
        else reasons
    end as reasons
from checked
