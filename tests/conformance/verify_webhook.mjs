// Verifies webhook deliveries with the npm `standardwebhooks` package, as a receiver would.
// stdin: {"secret": "whsec_...", "deliveries": [{"id", "timestamp", "signature", "body"}, ...]}
// stdout: one line per delivery, "ok" or "fail: <reason>"; tests/integration/webhook_outbox_test.py runs it.
import { Webhook } from "standardwebhooks";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { secret, deliveries } = JSON.parse(input);
const wh = new Webhook(secret);
for (const d of deliveries) {
  try {
    wh.verify(d.body, {
      "webhook-id": d.id,
      "webhook-timestamp": d.timestamp,
      "webhook-signature": d.signature,
    });
    console.log("ok");
  } catch (e) {
    console.log("fail: " + e.message);
  }
}
