-- Quarantined rows that carry a label (all of them, when no labelled row was accepted): the data or the contract
-- needs fixing, and no synthetic data stands in for them.
select count(*) as n, list(distinct batch_id order by batch_id) as batches
from quarantine
where nullif(trim(raw_values ->> $target), '') is not null
