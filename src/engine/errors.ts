// Engine ("dialog") errors: the platform's DialogException. They take the onDialogError/onAnyError path.

export class DialogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DialogError";
  }
}
