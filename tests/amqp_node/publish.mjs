// Publishes JSON messages to a queue through the default exchange, as a Node.js upstream system would:
// node publish.mjs AMQP_URL QUEUE < messages.jsonl, each line {"body": {...}, "type": "...", "user_id": "..."}.
// Waits for the broker's confirms; exits 1 if any message is not confirmed.
import amqp from "amqplib";
import { createInterface } from "node:readline";

const [url, queue] = process.argv.slice(2);
const connection = await amqp.connect(url);
const channel = await connection.createConfirmChannel();
let published = 0;
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const { body, type, user_id } = JSON.parse(line);
  const options = { persistent: true, contentType: "application/json", contentEncoding: "utf-8" };
  if (type) options.type = type;
  if (user_id) options.userId = user_id;
  channel.sendToQueue(queue, Buffer.from(JSON.stringify(body), "utf-8"), options);
  published += 1;
}
await channel.waitForConfirms();
await connection.close();
console.log(`published ${published}`);
