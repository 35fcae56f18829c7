-- One row per combination of category levels: the group's part of the leverage, g (a vector over the
-- numeric features) and c, computed in TypeScript from (XᵀX)⁻¹ and passed as parallel JSON lists.
create or replace temp table interval_groups as
select {{group_columns}}
