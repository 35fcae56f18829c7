insert into dataset_contracts (contract_hash, dataset_name, columns_json) values ($contract_hash, $dataset_name, $columns_json)
