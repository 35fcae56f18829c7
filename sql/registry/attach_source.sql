attach {{path}} as promote_source (read_only)
