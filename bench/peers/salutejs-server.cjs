// Peer for the webhook benchmark: the same scenarios written with @salutejs/scenario on express with
// its memory storage, as a user of that library would write them.
const express = require("express");
const { createScenarioWalker, createSystemScenario, createUserScenario, createSaluteRequest, createSaluteResponse, createMatchers } = require("@salutejs/scenario");
const { SaluteMemoryStorage } = require("@salutejs/storage-adapter-memory");

const { match, regexp } = createMatchers();
const userScenario = createUserScenario({
  hello: { match: match(regexp(/привет/i)), handle: ({ res }) => res.appendBubble("Привет!") },
  add: {
    match: match(regexp(/добавь/i)),
    handle: ({ res, session }) => {
      session.count = (session.count || 0) + 1;
      res.appendBubble(`Добавлено: ${session.count}`);
    },
  },
  status: { match: match(regexp(/сколько/i)), handle: ({ res, session }) => res.appendBubble(`Всего: ${session.count || 0}`) },
});
const systemScenario = createSystemScenario({
  RUN_APP: ({ res }) => res.appendBubble("Привет!"),
  NO_MATCH: ({ res }) => res.appendBubble("Не понял"),
});
const walk = createScenarioWalker({ systemScenario, userScenario });
const storage = new SaluteMemoryStorage();

const app = express();
app.use(express.json());
app.post("/webhook", async (request, response) => {
  const req = createSaluteRequest(request.body);
  const res = createSaluteResponse(request.body);
  const id = request.body.uuid.userId;
  const session = await storage.resolve(id);
  await walk({ req, res, session });
  await storage.save({ id, session });
  response.status(200).json(res.message);
});
const server = app.listen(Number(process.argv[2] || 0), "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
