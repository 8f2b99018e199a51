// Duplicate deliveries of one messageId (the platform retries while the first delivery still runs):
// the turn is applied once and every copy gets the same answer, on every store and across two
// processes sharing Redis. This was a double charge in a shop checkout (docs/security.md).
import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bubbles, post, say, startServe } from "../e2e/server.js";
import { fixtureCopy } from "./fixtures.js";

const COPIES = 20;
const redisEnv = () => ({ REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", SMARTAPP_REDIS_PREFIX: `dedup-${process.pid}-${Date.now()}:` });

async function checkOnce(urls: string[], user: string): Promise<void> {
  await post(urls[0]!, say("плюс", user)); // counter 1, and the user exists on every store
  const message = say("плюс", user);
  const answers = await Promise.all(Array.from({ length: COPIES }, (_, i) => post(urls[i % urls.length]!, message)));
  expect(answers.every((r) => r.status === 200)).toBe(true);
  expect(new Set(answers.map((r) => r.text)).size).toBe(1);
  expect(bubbles(answers[0]!.json)).toEqual(["2"]);
  expect(bubbles((await post(urls[urls.length - 1]!, say("сколько", user))).json)).toEqual(["Счётчик: 2"]);
}

describe(`${COPIES} concurrent copies of one messageId are applied once`, () => {
  it.each([["memory"], ["sqlite"], ["redis"]])("%s store", async (store) => {
    const dir = fixtureCopy("limits");
    const server = await startServe(dir, ["--store", store], store === "redis" ? redisEnv() : {});
    try {
      await checkOnce([server.url], `dup-${store}`);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("two serve processes sharing Redis", async () => {
    const dir = fixtureCopy("limits");
    const env = redisEnv();
    const [a, b] = await Promise.all([startServe(dir, ["--store", "redis"], env), startServe(dir, ["--store", "redis"], env)]);
    try {
      await checkOnce([a.url, b.url], "dup-two");
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
