// Whose payment it is: the host calls that attribute a payment to a dialog (whose dialog hears its
// events) take the turn's own user from the request the channel gave, never the one the realm's
// $request says by the time the script calls them (docs/payments.md, "Whose payment it is").
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadProject } from "../project/loader.js";
import { createEngine } from "./index.js";
import { emptyUserState, type HostServices } from "./types.js";

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/engine/turn-user");

describe("payment host calls are bound to the turn's user", () => {
  it("a script that sets $request.channelUserId to another user still pays, and registers orders, as the turn's own", () => {
    const calls: { op: string; args: Record<string, unknown> }[] = [];
    const services: HostServices = {
      http: () => ({ status: -1, headers: {}, body: "" }),
      call: (op, args) => {
        calls.push({ op, args: JSON.parse(JSON.stringify(args)) as Record<string, unknown> });
        return { code: 200, ok: true };
      },
      now: () => 1_700_000_000_000,
      random: () => 0,
      seed: () => [1, 2, 3, 4],
      log: () => undefined,
      env: () => undefined,
      secret: () => undefined,
    };
    const engine = createEngine(loadProject(fixture), services);
    try {
      const r = engine.process({ query: "pay victim", channelUserId: "buyer" }, emptyUserState(), {});
      expect(r.error).toBeUndefined();
      expect(r.replies.map((x) => x.text)).toEqual(["ok"]);
      expect(calls.map((c) => [c.op, c.args.user])).toEqual([
        ["payment.createPayment", "buyer"],
        ["yookassa.createPayment", "buyer"],
        ["yookassa.charge", "buyer"],
        ["imshop.registerOrder", "buyer"],
      ]);
      // A turn without a user (no channel user id) attributes nothing, whatever the script says.
      calls.length = 0;
      engine.process({ query: "pay victim" }, emptyUserState(), {});
      expect(calls.map((c) => c.args.user)).toEqual([undefined, undefined, undefined, undefined]);
    } finally {
      engine.dispose();
    }
  });
});
