select contract_hash from promote_source.main.dataset_contracts order by registered_at desc limit 1
