select count(*) as n from {{reference_table}}
