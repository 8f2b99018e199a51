// How much webhook work one process holds at once, all users together: turns waiting or running and
// the bytes of their request bodies (docs/security.md, "Limits"). The per-user bound
// (StoreOptions.maxWaitingTurns) leaves a flood spread over many users to this one. Bytes are counted
// as they arrive, a turn once the body is in; over either limit a request is answered 503 at once
// (src/channels/smartapp/server.ts), and nothing of it runs.
import { WebhookRequestError } from "./errors.js";
import { clientGroup } from "../../util/ip-ranges.js";
import { countLimit } from "../../util/limits.js";

/** Turns waiting or running in one process, all users (WebhookOptions.maxTurns). */
export const DEFAULT_MAX_TURNS = 1000;
/** Bytes of request bodies those turns hold (WebhookOptions.maxHeldBytes): 64 MiB. */
export const DEFAULT_MAX_HELD_BYTES = 64 * 1024 * 1024;

/** The part of maxHeldBytes one client address may hold by default (WebhookOptions.maxHeldBytesPerAddress). */
export const DEFAULT_ADDRESS_SHARE = 4;

export interface AdmissionLimits {
  maxTurns?: number;
  maxHeldBytes?: number;
  /** Bytes of bodies one client address may hold; default maxHeldBytes / DEFAULT_ADDRESS_SHARE (at least 1). */
  maxHeldBytesPerAddress?: number;
}

/**
 * What one request holds, from its body's first byte until it is given back: its body's bytes as
 * they arrive (a burst of large uploads is bounded while they are still arriving), and a turn once the
 * body is in (not before: a client sending headers and then nothing holds no turn place).
 */
export interface Intake {
  /** `n` more bytes of the body arrived. Over the byte limit: why not, and everything is given back. */
  take(n: number): WebhookRequestError | undefined;
  /**
   * The whole body is in, held as `total` bytes (more than arrived when it was compressed): takes a
   * turn. Over a limit: why not, and everything is given back.
   */
  admit(total: number): WebhookRequestError | undefined;
  /** Gives back everything taken; again, or after a refusal: nothing. */
  release(): void;
  /** Given back (released or refused): later bytes are not counted, and the request must not run. */
  readonly released: boolean;
  /** The body is in and holds a turn. */
  readonly admitted: boolean;
}

export class Admission {
  readonly maxTurns: number;
  readonly maxHeldBytes: number;
  readonly maxHeldBytesPerAddress: number;
  private heldTurns = 0;
  private heldBytes = 0;
  /** Bytes held per client (clientGroup of its address: an IPv6 /64 is one client; none held: dropped). */
  private readonly byAddress = new Map<string, number>();

  constructor(limits: AdmissionLimits = {}) {
    this.maxTurns = countLimit(limits.maxTurns, DEFAULT_MAX_TURNS, "maxTurns");
    this.maxHeldBytes = countLimit(limits.maxHeldBytes, DEFAULT_MAX_HELD_BYTES, "maxHeldBytes");
    this.maxHeldBytesPerAddress = countLimit(limits.maxHeldBytesPerAddress, Math.max(1, Math.floor(this.maxHeldBytes / DEFAULT_ADDRESS_SHARE)), "maxHeldBytesPerAddress");
  }

  get turns(): number {
    return this.heldTurns;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /**
   * Starts counting one request from the client at `peer`. A body alone over a byte limit is
   * taken when no other request (of the address) holds bytes (the body limit bounds it), so no size
   * is refused for good. One address holds at most maxHeldBytesPerAddress: clients of one address
   * that send large bodies and stall cannot hold the whole budget until the request timeout. IPv6
   * addresses of one /64 count as one address: a client rotating through its /64 is still one.
   */
  open(peer = ""): Intake {
    const address = clientGroup(peer);
    let bytes = 0;
    let turn = false;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.heldBytes -= bytes;
      const left = (this.byAddress.get(address) ?? 0) - bytes;
      if (left > 0) this.byAddress.set(address, left);
      else this.byAddress.delete(address);
      if (turn) this.heldTurns--;
    };
    const take = (n: number): WebhookRequestError | undefined => {
      if (released || n <= 0) return undefined;
      if (this.heldBytes > bytes && this.heldBytes + n > this.maxHeldBytes) {
        const held = this.heldBytes - bytes;
        release();
        return new WebhookRequestError(503, `the server already holds ${held} bytes of requests (limit ${this.maxHeldBytes}); try again`, "overloaded");
      }
      const mine = this.byAddress.get(address) ?? 0;
      if (mine > bytes && mine + n > this.maxHeldBytesPerAddress) {
        release();
        return new WebhookRequestError(503, `the server already holds ${mine - bytes} bytes of requests from this address (limit ${this.maxHeldBytesPerAddress}); try again`, "overloaded");
      }
      bytes += n;
      this.heldBytes += n;
      this.byAddress.set(address, mine + n);
      return undefined;
    };
    return {
      take,
      admit: (total) => {
        if (turn) throw new Error("a request's body is admitted once");
        if (released) return new WebhookRequestError(400, "the request was given back before its body was in", "bad_body");
        if (this.heldTurns >= this.maxTurns) {
          release();
          return new WebhookRequestError(503, `the server already holds ${this.maxTurns} turns; try again`, "overloaded");
        }
        const more = take(total - bytes);
        if (more) return more;
        turn = true;
        this.heldTurns++;
        return undefined;
      },
      release,
      get released() {
        return released;
      },
      get admitted() {
        return turn && !released;
      },
    };
  }
}
