-- The numeric features' values in one sample (the reference sample or the bounded sample of the current rows),
-- for the tests computed in TypeScript (src/steps/drift-tests.ts; NULLs are counted as missing). Both samples are
-- bounded (reference_sample_size), so this is at most a few hundred thousand values per feature.
select {{columns}}
from {{rows}}
