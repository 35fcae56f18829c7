create table {{target_table}} as
select * from promote_source.main.{{source_table}}
