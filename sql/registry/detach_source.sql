detach database if exists promote_source
