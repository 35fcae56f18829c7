-- With a conformal group: the held-out rows' residuals (residual_rows.sql) made once into a temp table, so the
-- join that gives each row its level of the group is not made again by each statistic that reads them.
create or replace temp table eval_residuals as
{{residual_rows}}
