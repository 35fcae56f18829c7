-- The replay counts of a training run's processed rows, from its design sums (no pass over the rows).
select
    coalesce(sum(n), 0)::bigint as row_count,
    coalesce(sum(rows_with_unseen_levels), 0)::bigint as rows_with_unseen_levels,
    coalesce(sum(unseen_values), 0)::bigint as unseen_values,
    coalesce(sum(rows_out_of_range), 0)::bigint as rows_out_of_range,
    coalesce(sum(out_of_range_values), 0)::bigint as out_of_range_values,
    coalesce(sum(rows_imputed), 0)::bigint as rows_imputed,
    coalesce(sum(imputed_values), 0)::bigint as imputed_values
from {{sums_table}}
