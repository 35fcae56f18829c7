-- csv_rejects.sql for the typed path's re-read: the extract's records the CSV reader could not split, each with its
-- record index k (extract line k + 2, under the header) and its line in the file (from ingest_reread), one reason per
-- kind of error, and its text. (The typed path takes no file with an unclosed quote: no note about one is needed.)
create or replace temp table ingest_rejects as
with
per_record as ({{reject_records}})
select r.d_line - 2 as k, x.line, r.reason, r.csv_line
from per_record as r
join ingest_reread as x on x.k = r.d_line - 2
