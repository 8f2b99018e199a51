// Errors a session store throws; the channel decides whether to retry the request or report it.

/** The store was closed; no further calls are served. */
export class StoreClosedError extends Error {
  constructor(kind: string) {
    super(`the ${kind} session store is closed`);
    this.name = "StoreClosedError";
  }
}

/**
 * Someone else changed the user's record while this turn ran (a redis lock that expired, or a second
 * process on the same sqlite file). The turn's commit was dropped so the newer state survives.
 */
export class SessionConflictError extends Error {
  constructor(readonly userKey: string, reason: string) {
    super(`session of "${userKey}" was not committed: ${reason}`);
    this.name = "SessionConflictError";
  }
}

/** Another process held the user's lock for longer than we were willing to wait. */
export class LockTimeoutError extends Error {
  constructor(readonly userKey: string, waitedMs: number) {
    super(`could not lock the session of "${userKey}" within ${waitedMs} ms`);
    this.name = "LockTimeoutError";
  }
}

/**
 * The user already had `limit` turns waiting for their queue or running; this one was refused
 * before anything of it ran (docs/security.md, "Limits": turns waiting per user).
 */
export class TurnsWaitingError extends Error {
  constructor(readonly userKey: string, readonly limit: number) {
    super(`${limit} turns of this user are already waiting or running`);
    this.name = "TurnsWaitingError";
  }
}
