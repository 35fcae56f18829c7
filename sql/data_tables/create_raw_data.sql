-- Every accepted row of every batch, with the contract's columns. (batch_id, source_row) is unique by construction (a
-- batch id from a sequence, a record's line in its file) and no primary key enforces it: the index would cost a third
-- of a 10M-row ingest and memory that grows with rows. (Databases created before 2026-11-27 keep theirs: DuckDB
-- cannot drop a primary key.)
create table if not exists raw_data (
    batch_id integer not null,
    source_row bigint not null,
    {{contract_columns}},
    superseded_by integer
)
