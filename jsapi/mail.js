// $mail (spec §5.11): nothing is sent; each message is recorded for the turn (TurnSnapshot.mails,
// checked by XML tests with <mail>). Platform module: `function (host) { … }` (docs/sandbox.md).
"use strict";

var debug = false;

function record(mail) {
  host.turn().mails.push(host.copy(mail));
  if (debug) host.log("info", "$mail: " + host.stringify(mail));
  return { status: "OK" };
}

host.define("$mail", {
  /** send({from, to, subject, content, hiddenCopy, …}) */
  send: function (req) {
    return record(req !== null && typeof req === "object" ? req : { content: String(req) });
  },
  sendMessage: function (to, subject, content) {
    return record({ to: to, subject: subject, content: content });
  },
  debug: function (on) {
    debug = !!on;
  },
});
