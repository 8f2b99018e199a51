// Child process for the durability test: commits turns for a few users as fast as it can and prints
// `<user> <n>` only after transact resolved, until the parent SIGKILLs it.
import { SqliteStore } from "../sqlite.js";

const [path, usersArg] = process.argv.slice(2);
if (!path) throw new Error("usage: sqlite-writer.ts <db path> [users]");
const store = new SqliteStore({ path, answerTtlSec: 86_400 });

async function writeForever(user: string): Promise<never> {
  for (let n = 1; ; n++) {
    await store.transact(user, async (current) => {
      const counter = ((current?.session.counter as number | undefined) ?? 0) + 1;
      if (counter !== n) throw new Error(`${user}: stored counter ${counter - 1} before turn ${n}`);
      return {
        commit: { state: { session: { counter }, client: {}, contextPath: "/" }, answer: { messageId: `m${n}`, body: `answer ${n}` } },
        result: undefined,
      };
    });
    process.stdout.write(`${user} ${n}\n`);
  }
}

await Promise.all(Array.from({ length: Number(usersArg ?? 3) }, (_, i) => writeForever(`user-${i}`)));
