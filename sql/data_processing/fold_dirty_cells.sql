-- The cells of a training run's one pass (fold_sums_cells.sql) where some row is not model-ready as it stands, with
-- the fitted parameters: a numeric feature's value missing (imputed) or outside its clipping bounds (clipped or
-- counted), a category level missing or not among the fitted levels. Their design sums are taken again from the
-- processed rows (design_sums_cells.sql); every other cell's follow from its shifted sums by algebra.
select distinct __row_group as cell
from {{cells_table}}
where {{dirty}}
order by cell
