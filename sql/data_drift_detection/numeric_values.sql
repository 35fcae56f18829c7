-- The numeric features' values in one sample (the reference sample or the bounded sample of the current rows),
-- for the ECDF distances computed in TypeScript (src/stats: ksStatistic, wasserstein1). Both samples are
-- bounded (reference_sample_size), so this is at most a few hundred thousand values per feature.
select {{columns}}
from {{rows}}
