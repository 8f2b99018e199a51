// The limit for the webhook benchmark: node:http answering a fixed SmartApp API answer.
import http from "node:http";

const answer = JSON.stringify({ messageName: "ANSWER_TO_USER", sessionId: "s", messageId: 1, uuid: { userId: "u", userChannel: "B2C" }, payload: { pronounceText: "Привет!", items: [{ bubble: { text: "Привет!" } }] } });
const server = http.createServer((req, res) => {
  let n = 0;
  req.on("data", (c) => (n += c.length));
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(answer) });
    res.end(answer);
  });
});
server.listen(Number(process.argv[2] || 0), "127.0.0.1", () => process.stdout.write(`listening ${server.address().port}\n`));
