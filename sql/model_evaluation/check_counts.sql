-- The rows in_order_rows.sql marked, counted in eval_metrics.sql's pass over them ({{checks}}, after its last aggregate).
    ,
        count(*) filter (where out_of_order) as out_of_order,
        count(*) filter (where mismatched) as mismatched
