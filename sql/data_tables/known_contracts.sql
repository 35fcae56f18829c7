-- The contracts this database has held, newest first: raw_data's columns are the newest one's.
select contract_hash, dataset_name, columns_json::varchar as columns_json from dataset_contracts order by registered_at desc
