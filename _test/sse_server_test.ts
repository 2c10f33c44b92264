// Copyright 2026 the @seed/mpsc authors. MIT license.
// End-to-end test of examples/sse_server.ts: real HTTP on loopback, then checks that a client's channel is released.

import { assert, assertEquals, assertStrictEquals, fail } from "@std/assert";
import { delay } from "@std/async/delay";
import { ServerSentEventParseStream } from "@std/http/server-sent-event-parse-stream";
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
  const reader = body.pipeThrough(new ServerSentEventParseStream())
    .getReader();
  const events: Received[] = [];
  try {
    while (events.length < count) {
      const { done, value } = await reader.read();
      if (done) break;
      events.push({
        id: Number(value.id),
        event: value.event ?? "",
        data: JSON.parse(value.data ?? "null"),
      });
    }
  } finally {
    await reader.cancel();
  }
  return events;
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
  fail(`Server did not ${what}: ${JSON.stringify(stats())}`);
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
    assertStrictEquals(server.addr.hostname, "127.0.0.1");
    const response = await fetch(server.url);
    assertStrictEquals(response.status, 200);
    assertStrictEquals(
      response.headers.get("content-type"),
      "text/event-stream",
    );
    const during = server.stats();
    assertStrictEquals(during.openReceivers, 1);
    assertStrictEquals(during.runningProducers, 3);

    const events = await readEvents(response.body!, 15);
    assertStrictEquals(events.length, 15);
    assertEquals(events.map((e) => e.id), [...Array(15).keys()]);
    const lastSeq = new Map<number, number>();
    for (const { event, data } of events) {
      assertStrictEquals(event, "tick");
      assert(data.producer >= 0 && data.producer < 3);
      // Each producer's events arrive in the order it sent them.
      assert(data.seq > (lastSeq.get(data.producer) ?? -1));
      lastSeq.set(data.producer, data.seq);
    }

    const after = await until(
      server.stats,
      released,
      "release the channel after the client left",
    );
    assertStrictEquals(after.connections, 1);
    assert(after.sent >= 15);
  } finally {
    await server.shutdown();
  }
});

Deno.test("startServer() serves each client its own channel", async () => {
  const server = startServer({ port: 0, producers: 2, buffer: 2, interval: 1 });
  try {
    const [a, b] = await Promise.all([fetch(server.url), fetch(server.url)]);
    assertStrictEquals(server.stats().openReceivers, 2);
    assertStrictEquals(server.stats().runningProducers, 4);
    const first = await readEvents(a.body!, 4);
    assertEquals(first.map((e) => e.id), [0, 1, 2, 3]);
    // One client left; the other one's channel is untouched.
    const one = await until(
      server.stats,
      (s) => s.openReceivers === 1 && s.runningProducers === 2,
      "release the first client's channel",
    );
    assertStrictEquals(one.connections, 2);
    const second = await readEvents(b.body!, 4);
    assertEquals(second.map((e) => e.id), [0, 1, 2, 3]);
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
    assertStrictEquals((await reader.read()).done, false);
    // The client reads no more: once the connection's buffers are full,
    // the channel fills and every producer waits for room, so the server
    // holds at most `buffer` events for this client.
    const stalled = await until(
      server.stats,
      (s) => s.waitingProducers === 3 && s.queued === 4,
      "stop the producers of a stalled client",
    );
    assertStrictEquals(stalled.heldPermits, 0);
    // Reading again lets them go on.
    for (let i = 0; i < 8; i++) {
      assertStrictEquals((await reader.read()).done, false);
    }
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
  assertStrictEquals((await reader.read()).done, false);
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
    assertStrictEquals(missing.status, 404);
    await missing.body?.cancel();
    const stats = await fetch(`${base}/stats`);
    assertEquals(await stats.json(), server.stats());
    assertStrictEquals(server.stats().connections, 0);
  } finally {
    await server.shutdown();
  }
});
