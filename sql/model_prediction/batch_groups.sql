select distinct {{categorical_columns}}
from {{processed_table}}
