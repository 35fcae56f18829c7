-- The dataset contracts the database has held, newest first: the columns of raw_data are the newest one's.
select contract_hash, dataset_name, columns_json::varchar as columns_json from dataset_contracts order by registered_at desc
