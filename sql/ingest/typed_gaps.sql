-- The typed path's missing lines: the file's record lines that are not in raw_data for this batch. Each was rejected
-- by the typed reader or breaks a rule. The record lines are intervals [lo, hi) (one per line-map point: blank lines
-- split them). Rather than anti-joining every line of the file, the lines are counted per block of $block lines; only
-- the blocks that hold fewer rows than record lines are searched line by line.
create or replace temp table ingest_gaps as
with
intervals as (
    select unnest(from_json($intervals, '[{"lo": "BIGINT", "hi": "BIGINT"}]'), recursive := true)
),
present as (
    select source_row // $block as blk, count(*) as n
    from raw_data
    where batch_id = $batch_id
    group by blk
),
blocks as (
    select unnest(range(min(lo) // $block, (max(hi) - 1) // $block + 1)) as blk
    from intervals
),
expected as (
    select b.blk, sum(least(i.hi, (b.blk + 1) * $block) - greatest(i.lo, b.blk * $block)) as n
    from blocks as b
    join intervals as i on i.lo < (b.blk + 1) * $block and i.hi > b.blk * $block
    group by b.blk
),
short as (
    select e.blk
    from expected as e
    left join present as p on p.blk = e.blk
    where coalesce(p.n, 0) < e.n
),
candidates as (
    select unnest(range(greatest(i.lo, s.blk * $block), least(i.hi, (s.blk + 1) * $block))) as line
    from short as s
    join intervals as i on i.lo < (s.blk + 1) * $block and i.hi > s.blk * $block
),
found as (
    select source_row
    from raw_data
    where batch_id = $batch_id
      and source_row // $block in (select blk from short)
)
select c.line
from candidates as c
where c.line not in (select source_row from found)
order by c.line
