// How much webhook work one process holds at once, all users together: turns waiting or running and
// the bytes of their request bodies (docs/security.md, "Limits"). The per-user bound
// (StoreOptions.maxWaitingTurns) leaves a flood spread over many users to this one; over it a request
// is answered 503 as soon as its body is in (src/channels/smartapp/server.ts), and nothing of it runs.
import { WebhookRequestError } from "./errors.js";
import { countLimit } from "../../util/limits.js";

/** Turns waiting or running in one process, all users (WebhookOptions.maxTurns). */
export const DEFAULT_MAX_TURNS = 1000;
/** Bytes of request bodies those turns hold (WebhookOptions.maxHeldBytes): 64 MiB. */
export const DEFAULT_MAX_HELD_BYTES = 64 * 1024 * 1024;

export interface AdmissionLimits {
  maxTurns?: number;
  maxHeldBytes?: number;
}

/** Gives back what `admit` took; calling it again does nothing. */
export type Release = () => void;

export class Admission {
  readonly maxTurns: number;
  readonly maxHeldBytes: number;
  private heldTurns = 0;
  private heldBytes = 0;

  constructor(limits: AdmissionLimits = {}) {
    this.maxTurns = countLimit(limits.maxTurns, DEFAULT_MAX_TURNS, "maxTurns");
    this.maxHeldBytes = countLimit(limits.maxHeldBytes, DEFAULT_MAX_HELD_BYTES, "maxHeldBytes");
  }

  get turns(): number {
    return this.heldTurns;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /**
   * Takes one turn and `bytes` of body, or answers why not. A body alone over the byte limit is
   * taken when nothing else is held (the body limit bounds it), so no size is refused for good.
   */
  admit(bytes: number): Release | WebhookRequestError {
    if (this.heldTurns >= this.maxTurns) {
      return new WebhookRequestError(503, `the server already holds ${this.maxTurns} turns; try again`, "overloaded");
    }
    if (this.heldTurns > 0 && this.heldBytes + bytes > this.maxHeldBytes) {
      return new WebhookRequestError(503, `the server already holds ${this.heldBytes} bytes of requests (limit ${this.maxHeldBytes}); try again`, "overloaded");
    }
    this.heldTurns++;
    this.heldBytes += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.heldTurns--;
      this.heldBytes -= bytes;
    };
  }
}
