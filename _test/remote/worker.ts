// Copyright 2026 the @seed/mpsc authors. MIT license.
// A sender or receiver process for the fault tests, killed on purpose.
//
//   deno run worker.ts send URL CHANNEL ID COUNT BATCH LEASE_MS
//     sends `ID:0` .. `ID:COUNT-1` in batches, printing `sent N` after each
//     commit (N messages committed so far), then disposes.
//   deno run worker.ts recv URL CHANNEL LEASE_MS PAUSE_MS
//     receives until the stream ends, printing each message on its own line
//     as soon as it is handed out, pausing PAUSE_MS before asking for the
//     next (the window in which a kill leaves the message unacknowledged).

import { pool } from "./pool.ts";
import { connectReceiver, connectSender, pgStore } from "../../remote.ts";

const [role, url, channel, ...rest] = Deno.args;
const client = pool(url!, 2);
const encoder = new TextEncoder();
const print = (line: string) =>
  Deno.stdout.writeSync(encoder.encode(line + "\n"));

if (role === "send") {
  const [id, count, batch, leaseMs] = rest.map((x, i) =>
    i === 0 ? x : Number(x)
  ) as [
    string,
    number,
    number,
    number,
  ];
  const store = pgStore(client, { leaseMs, retryMs: 60_000, pollMs: 100 });
  const tx = await connectSender<string>(store, channel!, { id });
  print("connected");
  for (let i = 0; i < count; i += batch) {
    const values = [];
    for (let j = i; j < Math.min(count, i + batch); j++) {
      values.push(`${id}:${j}`);
    }
    await tx.sendMany(values);
    print(`sent ${i + values.length}`);
  }
  await tx.dispose();
  await store.close();
} else {
  const [leaseMs, pauseMs] = rest.map(Number) as [number, number];
  const store = pgStore(client, { leaseMs, retryMs: 60_000, pollMs: 100 });
  const rx = await connectReceiver<string>(store, channel!);
  print("connected");
  for (;;) {
    const message = await rx.recv();
    if (message === undefined) break;
    print(message);
    if (pauseMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
  await rx.dispose();
  await store.close();
}
await client.end();
