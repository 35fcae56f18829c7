select
    count(*) as row_count,
    count(*) filter (where unseen_levels > 0) as rows_with_unseen_levels,
    coalesce(sum(unseen_levels), 0)::bigint as unseen_values,
    count(*) filter (where clipped_values > 0) as rows_out_of_range,
    coalesce(sum(clipped_values), 0)::bigint as out_of_range_values,
    count(*) filter (where imputed_values > 0) as rows_imputed,
    coalesce(sum(imputed_values), 0)::bigint as imputed_values
from {{processed_table}}
