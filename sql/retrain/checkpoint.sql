-- Before a retrain inside a prediction run: the run's own writes (the batch's rows, its predictions) moved from
-- memory into the database file, so they are cached blocks the buffer pool can drop.
checkpoint
