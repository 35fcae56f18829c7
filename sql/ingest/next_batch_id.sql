select nextval('ingest_batch_id_seq') as batch_id
