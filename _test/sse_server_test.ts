// Copyright 2026 the @seed/mpsc authors. MIT license.
// End-to-end test of examples/sse_server.ts: real HTTP on loopback, then checks that a client's channel is released.

import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { type ServerStats, startServer } from "../examples/sse_server.ts";

interface Received {
  id: number;
  event: string;
  data: { producer: number; seq: number; time: string };
}

/** Reads `count` events from an SSE body, then cancels it (disconnects). */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  count: number,
): Promise<Received[]> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const events: Received[] = [];
  let text = "";
  try {
    while (events.length < count) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
      let end: number;
      while ((end = text.indexOf("\n\n")) !== -1 && events.length < count) {
        events.push(parseEvent(text.slice(0, end)));
        text = text.slice(end + 2);
      }
    }
  } finally {
    await reader.cancel();
  }
  return events;
}

function parseEvent(block: string): Received {
  const fields = new Map<string, string>();
  for (const line of block.split("\n")) {
    const colon = line.indexOf(": ");
    fields.set(line.slice(0, colon), line.slice(colon + 2));
  }
  return {
    id: Number(fields.get("id")),
    event: fields.get("event") ?? "",
    data: JSON.parse(fields.get("data") ?? "null"),
  };
}

/** Polls the server's stats until `done` holds, for at most five seconds. */
async function until(
  stats: () => ServerStats,
  done: (s: ServerStats) => boolean,
  what: string,
): Promise<ServerStats> {
  for (let i = 0; i < 500; i++) {
    const s = stats();
    if (done(s)) return s;
    await delay(10);
  }
  assert.fail(`Server did not ${what}: ${JSON.stringify(stats())}`);
}

function released(s: ServerStats): boolean {
  return s.openReceivers === 0 && s.openSenders === 0 &&
    s.runningProducers === 0 && s.heldPermits === 0;
}

// -- startServer --

Deno.test("startServer() streams events and releases the receiver and permits when the client leaves", async () => {
  const server = startServer({
    port: 0,
    producers: 3,
    buffer: 4,
    interval: 1,
  });
  try {
    assert.equal(server.addr.hostname, "127.0.0.1");
    const response = await fetch(server.url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    const during = server.stats();
    assert.equal(during.openReceivers, 1);
    assert.equal(during.runningProducers, 3);

    const events = await readEvents(response.body!, 15);
    assert.equal(events.length, 15);
    assert.deepEqual(events.map((e) => e.id), [...Array(15).keys()]);
    const lastSeq = new Map<number, number>();
    for (const { event, data } of events) {
      assert.equal(event, "tick");
      assert.ok(data.producer >= 0 && data.producer < 3);
      // Each producer's events arrive in the order it sent them.
      assert.ok(data.seq > (lastSeq.get(data.producer) ?? -1));
      lastSeq.set(data.producer, data.seq);
    }

    const after = await until(
      server.stats,
      released,
      "release the channel after the client left",
    );
    assert.equal(after.connections, 1);
    assert.ok(after.sent >= 15);
  } finally {
    await server.shutdown();
  }
});

Deno.test("startServer() serves each client its own channel", async () => {
  const server = startServer({ port: 0, producers: 2, buffer: 2, interval: 1 });
  try {
    const [a, b] = await Promise.all([fetch(server.url), fetch(server.url)]);
    assert.equal(server.stats().openReceivers, 2);
    assert.equal(server.stats().runningProducers, 4);
    const first = await readEvents(a.body!, 4);
    assert.deepEqual(first.map((e) => e.id), [0, 1, 2, 3]);
    // One client left; the other one's channel is untouched.
    const one = await until(
      server.stats,
      (s) => s.openReceivers === 1 && s.runningProducers === 2,
      "release the first client's channel",
    );
    assert.equal(one.connections, 2);
    const second = await readEvents(b.body!, 4);
    assert.deepEqual(second.map((e) => e.id), [0, 1, 2, 3]);
    await until(server.stats, released, "release both channels");
  } finally {
    await server.shutdown();
  }
});

Deno.test("startServer() a client that stops reading stops its producers", async () => {
  const server = startServer({
    port: 0,
    producers: 3,
    buffer: 4,
    interval: 0,
    padding: 16 * 1024,
  });
  try {
    const response = await fetch(server.url);
    const reader = response.body!.getReader();
    assert.equal((await reader.read()).done, false);
    // The client reads no more: once the connection's buffers are full,
    // the channel fills and every producer waits for room, so the server
    // holds at most `buffer` events for this client.
    const stalled = await until(
      server.stats,
      (s) => s.waitingProducers === 3 && s.queued === 4,
      "stop the producers of a stalled client",
    );
    assert.equal(stalled.heldPermits, 0);
    // Reading again lets them go on.
    for (let i = 0; i < 8; i++) assert.equal((await reader.read()).done, false);
    await reader.cancel();
    await until(server.stats, released, "release the stalled client's channel");
  } finally {
    await server.shutdown();
  }
});

Deno.test("startServer() shutdown closes open streams and releases their channels", async () => {
  const controller = new AbortController();
  const server = startServer({
    port: 0,
    producers: 2,
    buffer: 2,
    interval: 1,
    signal: controller.signal,
  });
  const response = await fetch(server.url);
  const reader = response.body!.getReader();
  assert.equal((await reader.read()).done, false);
  controller.abort();
  // Deno closes open connections when its server stops, so the body may
  // end or fail; either way the client is done.
  try {
    while (!(await reader.read()).done) { /* drain */ }
  } catch {
    reader.releaseLock();
  }
  await server.finished;
  await until(server.stats, released, "release the channel on shutdown");
});

Deno.test("startServer() answers other paths without opening a channel", async () => {
  const server = startServer({ port: 0 });
  try {
    const base = server.url.replace(/\/events$/, "");
    const missing = await fetch(`${base}/nope`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    const stats = await fetch(`${base}/stats`);
    assert.deepEqual(await stats.json(), server.stats());
    assert.equal(server.stats().connections, 0);
  } finally {
    await server.shutdown();
  }
});
