-- Where the file's records start, as change points: record k (0-based, in file order, rejected ones included) is
-- line d as DuckDB's CSV reader counts lines and starts on physical line p; between two points all three advance by
-- one per record. Blank lines and line breaks inside quoted fields are what make points.
create or replace temp table ingest_line_map as
select unnest(from_json($points, '[{"k": "BIGINT", "d": "BIGINT", "p": "BIGINT"}]'), recursive := true)
