-- The typed path's missing lines (typed_gaps.sql / typed_no_gaps.sql), counted.
select count(*) as n from ingest_gaps
