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
    return new HeldRequest(this, this.groupOf(peer));
  }

  /** clientGroup of an address, remembered: a server sees the same few peers request after request. */
  private groupOf(peer: string): string {
    let group = this.groups.get(peer);
    if (group === undefined) {
      group = clientGroup(peer);
      if (this.groups.size >= MAX_REMEMBERED_GROUPS) this.groups.clear(); // many peers: start over, bounded
      this.groups.set(peer, group);
    }
    return group;
  }

  private readonly groups = new Map<string, string>();

  /** HeldRequest.release: gives back what `r` holds. */
  giveBack(r: HeldRequest): void {
    this.heldBytes -= r.bytes;
    const left = (this.byAddress.get(r.address) ?? 0) - r.bytes;
    if (left > 0) this.byAddress.set(r.address, left);
    else this.byAddress.delete(r.address);
    if (r.turn) this.heldTurns--;
  }

  /** HeldRequest.take: `n` more bytes for `r`, or why not (then `r` is given back). */
  takeBytes(r: HeldRequest, n: number): WebhookRequestError | undefined {
    if (this.heldBytes > r.bytes && this.heldBytes + n > this.maxHeldBytes) {
      const held = this.heldBytes - r.bytes;
      r.release();
      return new WebhookRequestError(503, `the server already holds ${held} bytes of requests (limit ${this.maxHeldBytes}); try again`, "overloaded");
    }
    const mine = this.byAddress.get(r.address) ?? 0;
    if (mine > r.bytes && mine + n > this.maxHeldBytesPerAddress) {
      r.release();
      return new WebhookRequestError(503, `the server already holds ${mine - r.bytes} bytes of requests from this address (limit ${this.maxHeldBytesPerAddress}); try again`, "overloaded");
    }
    r.bytes += n;
    this.heldBytes += n;
    this.byAddress.set(r.address, mine + n);
    return undefined;
  }

  /** HeldRequest.admit: the rest of `r`'s `total` bytes and a turn, or why not (then `r` is given back). */
  takeTurn(r: HeldRequest, total: number): WebhookRequestError | undefined {
    if (this.heldTurns >= this.maxTurns) {
      r.release();
      return new WebhookRequestError(503, `the server already holds ${this.maxTurns} turns; try again`, "overloaded");
    }
    const more = r.take(total - r.bytes);
    if (more) return more;
    r.turn = true;
    this.heldTurns++;
    return undefined;
  }
}

/** Peers whose clientGroup an Admission remembers before it forgets them all. */
const MAX_REMEMBERED_GROUPS = 1024;

/**
 * One request's Intake. A class rather than closures: every request of the webhook opens one, and
 * its methods then cost no allocation.
 */
class HeldRequest implements Intake {
  bytes = 0;
  turn = false;
  released = false;

  constructor(
    private readonly owner: Admission,
    readonly address: string,
  ) {}

  take(n: number): WebhookRequestError | undefined {
    if (this.released || n <= 0) return undefined;
    return this.owner.takeBytes(this, n);
  }

  admit(total: number): WebhookRequestError | undefined {
    if (this.turn) throw new Error("a request's body is admitted once");
    if (this.released) return new WebhookRequestError(400, "the request was given back before its body was in", "bad_body");
    return this.owner.takeTurn(this, total);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.owner.giveBack(this);
  }

  get admitted(): boolean {
    return this.turn && !this.released;
  }
}
