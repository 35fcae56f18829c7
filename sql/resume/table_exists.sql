select count(*) as n from information_schema.tables where table_schema = 'main' and table_name = $name
