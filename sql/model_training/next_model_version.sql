select nextval('model_version_seq') as model_version
