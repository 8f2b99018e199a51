// Engine ("dialog") errors: the platform's DialogException. They take the onDialogError/onAnyError path.

export class DialogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DialogError";
  }
}

/**
 * The host gave up this run of the turn (the main thread's run that needs a worker, a worker's run
 * stopped at `$http`): the turn unwinds at once, without its error path, and the caller drops the run.
 */
export class TurnAbandoned extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TurnAbandoned";
  }
}
