// The store's one error type, shared by every implementation so callers (the API maps it to 409)
// never see driver-specific errors such as SQLite's SQLITE_CONSTRAINT_UNIQUE or PostgreSQL's 23505.

export type StoreConflictCode =
  | 'duplicate' // a unique key (id, username, pool name, credential hash, ...) is already taken
  | 'missing_reference' // the row points at something that does not exist (e.g. a ticket's session)
  | 'in_use'; // the change would break something that depends on the row

export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError';
  constructor(
    readonly code: StoreConflictCode,
    message: string,
    /** What collided, e.g. "users.username"; for logs, not for people. */
    readonly what?: string,
  ) {
    super(message);
  }
}

export function isStoreConflict(err: unknown, code?: StoreConflictCode): err is StoreConflictError {
  return err instanceof StoreConflictError && (code === undefined || err.code === code);
}

/**
 * The database cannot be reached (PostgreSQL down, restarting, or out of connections). The API
 * answers 503 `store_unavailable`; open displays do not need the database and keep running.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/**
 * Text the database cannot hold: PostgreSQL refuses NUL characters (SQLite keeps them). The API
 * answers 400 `invalid_input`: nothing was written.
 */
export class StoreInvalidTextError extends Error {
  override readonly name = 'StoreInvalidTextError';
}
