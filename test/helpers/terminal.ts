// A terminal on streams for `smartapp chat` tests: what a test types goes to `input`, what the chat
// prints collects in `text()`.
import { PassThrough, Writable } from "node:stream";

export function terminal(): { input: PassThrough; output: Writable; text: () => string } {
  const input = new PassThrough();
  let text = "";
  const output = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { input, output, text: () => text };
}
