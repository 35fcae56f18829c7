select count(*) as n from models where model_version = $model_version
