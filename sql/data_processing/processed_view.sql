-- Training: the model-ready rows of this run as a view over raw_data (processed_select.sql), not a copy.
create view {{processed_table}} as
{{processed_select}}
