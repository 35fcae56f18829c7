-- A served row's flags, the column predictions.sql's {{flags}} adds after the leverage (hence the leading comma),
    -- read from its `scored` rows: high leverage, an unseen level, an out-of-range or an imputed value, in that
    -- order. Most rows have no flag: their empty list is written without the lambda (a third of the statement's time).
    , case
        when leverage <= $leverage_limit and unseen_levels = 0 and clipped_values = 0 and imputed_values = 0 then []::varchar[]
        else list_filter([
            case when leverage > $leverage_limit then 'high_leverage' end,
            case when unseen_levels > 0 then 'unseen_level' end,
            case when clipped_values > 0 then 'out_of_range' end,
            case when imputed_values > 0 then 'imputed' end
        ], f -> f is not null)
    end as flags
