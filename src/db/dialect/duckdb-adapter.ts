import { PostgresAdapter } from 'kysely';

/** DuckDB speaks PostgreSQL's SQL closely enough for Kysely's compiler; RETURNING works, no advisory locks. */
export class DuckDBAdapter extends PostgresAdapter {
  override get supportsReturning(): boolean {
    return true;
  }

  override get supportsTransactionalDdl(): boolean {
    return true;
  }

  override async acquireMigrationLock(): Promise<void> {
    // One process holds the DuckDB file's write lock, so there is nobody to exclude.
  }

  override async releaseMigrationLock(): Promise<void> {}
}
