// Copyright 2026 the @seed/mpsc authors. MIT license.
// Remote channels: the semantics of contract §9, on PGlite and (when
// MPSC_PG_URL is set) on a real PostgreSQL.

import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
} from "@std/assert";
import {
  connectReceiver,
  connectSender,
  createRemoteChannel,
} from "../remote.ts";
import {
  SendError,
  SendTimeoutError,
  TryRecvError,
  TrySendError,
} from "../error.ts";
import pg from "npm:pg@8.23.1";
import { pgStore } from "../remote.ts";
import { PG_URL, remoteTest } from "./remote/backend.ts";
import { pool } from "./remote/pool.ts";
import { cuttable, losingReplies } from "./remote/clients.ts";

/** The send statement (not the setup, whose text defines the function). */
const SEND_CALL = /^SELECT "[^"]+"\."mpsc_send"\(/;

// -- Sending and receiving --

remoteTest(
  "RemoteSender.send() and RemoteReceiver.recv() keep one sender's order",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 100 });
    await using rx = await connectReceiver<number>(store, "c");
    await using tx = await connectSender<number>(store, "c", { id: "a" });
    for (let i = 0; i < 20; i++) await tx.send(i);
    const got: number[] = [];
    for (let i = 0; i < 20; i++) got.push((await rx.recv())!);
    assertEquals(got, [...Array(20).keys()]);
  },
);

remoteTest(
  "RemoteSender.sendMany() and recvMany() move batches in order, values of any JSON type",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 64 });
    await using rx = await connectReceiver<unknown>(store, "c");
    await using tx = await connectSender<unknown>(store, "c", { id: "a" });
    const values = [
      1,
      "two",
      null,
      undefined,
      { three: [3] },
      true,
      "'; DROP TABLE x; --",
    ];
    await tx.sendMany(values);
    await tx.sendMany([]);
    const got: unknown[] = [];
    assertEquals(await rx.recvMany(got, 3), 3);
    assertEquals(await rx.recvMany(got, 100), values.length - 3);
    assertEquals(got, values);
    assertEquals(await rx.recvMany(got, 0), 0);
  },
);

remoteTest(
  "Several senders: each one's messages arrive in its order, all of them once",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 8 });
    await using rx = await connectReceiver<[string, number]>(store, "c", {
      prefetch: 4,
    });
    const senders = await Promise.all(
      ["a", "b", "c"].map((id) =>
        connectSender<[string, number]>(store, "c", { id })
      ),
    );
    const sending = Promise.all(senders.map(async (tx) => {
      for (let i = 0; i < 30; i += 3) {
        await tx.sendMany([[tx.id, i], [tx.id, i + 1], [tx.id, i + 2]]);
      }
      await tx.dispose();
    }));
    const got: [string, number][] = [];
    for await (const m of rx) got.push(m);
    await sending;
    for (const id of ["a", "b", "c"]) {
      assertEquals(got.filter(([s]) => s === id).map(([, n]) => n), [
        ...Array(30).keys(),
      ]);
    }
    assertEquals(got.length, 90);
  },
);

remoteTest(
  "Deno.inspect() shows a remote handle's state, never a message",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 4 });
    const rx = await connectReceiver<string>(store, "c", { prefetch: 4 });
    const tx = await connectSender<string>(store, "c", { id: "a" });
    await tx.sendMany(["secret-1", "secret-2"]);
    assertEquals(await rx.recv(), "secret-1");
    assertEquals(
      Deno.inspect(tx),
      "RemoteSender { maxCapacity: 4, sequence: 2, unanswered: false, fenced: false }",
    );
    assertEquals(
      Deno.inspect(rx),
      "RemoteReceiver { prefetched: 1, ended: false, fenced: false }",
    );
    await tx.dispose();
    await rx.dispose();
    assertEquals(Deno.inspect(tx), "RemoteSender { disposed: true }");
    assertEquals(Deno.inspect(rx), "RemoteReceiver { disposed: true }");
  },
);

// -- Wake-ups --

remoteTest(
  "A waiting receive and a waiting send are woken by NOTIFY from another store, not by polling",
  async (ctx) => {
    // Two stores: a handle of the same store would be woken locally.
    const slow = { pollMs: 60_000 };
    const a = ctx.store(slow);
    const b = ctx.store(slow);
    await createRemoteChannel(a, "c", { capacity: 1 });
    await using rx = await connectReceiver<number>(a, "c");
    await using tx = await connectSender<number>(b, "c", { id: "a" });
    const signal = AbortSignal.timeout(20_000); // far below the 60 s poll
    const waiting = rx.recv({ signal });
    // Let the receive find nothing and wait.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await tx.send(1);
    assertEquals(await waiting, 1);
    // Full: 1 counts until the receiver asks for the next. The receive
    // below acknowledges it (a NOTIFY wakes the sender of store b), and the
    // send's commit wakes the receive (a NOTIFY to store a).
    const room = tx.send(2, { signal });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assertEquals(await rx.recv({ signal }), 2);
    await room;
  },
);

remoteTest(
  "Without LISTEN (listen: false), waiting calls poll with backoff and still see other stores' work",
  async (ctx) => {
    const a = ctx.store({ listen: false, pollMs: 20 });
    const b = ctx.store({ listen: false, pollMs: 20 });
    await createRemoteChannel(a, "c", { capacity: 1 });
    await using rx = await connectReceiver<number>(a, "c");
    await using tx = await connectSender<number>(b, "c", { id: "a" });
    const waiting = rx.recv();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await tx.send(1);
    assertEquals(await waiting, 1);
    const room = tx.send(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assertEquals(await rx.recv(), 2);
    await room;
  },
);

const url = PG_URL;
if (url !== undefined) {
  Deno.test("pgStore() listens through a pg Client's notification events [postgres]", async () => {
    const client = new pg.Client({ connectionString: url });
    client.on("error", () => {});
    await client.connect();
    const other = pool(url);
    const schema = `tclient_${Date.now().toString(36)}`;
    try {
      const a = pgStore(client, { schema, pollMs: 60_000 });
      const b = pgStore(other, { schema, pollMs: 60_000 });
      await createRemoteChannel(a, "c", { capacity: 4 });
      const rx = await connectReceiver<number>(a, "c");
      const tx = await connectSender<number>(b, "c", { id: "a" });
      const waiting = rx.recv({ signal: AbortSignal.timeout(20_000) });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await tx.send(7);
      assertEquals(await waiting, 7);
      await tx.dispose();
      await rx.dispose();
      await a.close();
      await b.close();
    } finally {
      await other.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await other.end();
      await client.end();
    }
  });
}

remoteTest(
  "A receive whose reply was lost is retried and hands each message out once",
  async (ctx) => {
    const lossy = losingReplies(
      ctx.client,
      /^SELECT o_state AS state, o_bodies AS bodies FROM /,
      2,
    );
    const store = (await import("../remote.ts")).pgStore(lossy, {
      schema: ctx.schema,
    });
    await createRemoteChannel(store, "c", { capacity: 8 });
    await using rx = await connectReceiver<number>(store, "c", { prefetch: 2 });
    await using tx = await connectSender<number>(store, "c", { id: "a" });
    await tx.sendMany([1, 2, 3, 4]);
    const got: number[] = [];
    for (let i = 0; i < 4; i++) got.push((await rx.recv())!);
    assertEquals(got, [1, 2, 3, 4]);
    assertEquals(lossy.lost, 2);
    await tx.dispose();
    await rx.dispose();
    await store.close();
  },
);

// -- Capacity --

remoteTest(
  "Capacity is exact: concurrent trySend calls succeed exactly capacity times",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 5 });
    const senders = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        connectSender<number>(store, "c", { id: `s${i}` })
      ),
    );
    const results = await Promise.allSettled(
      senders.flatMap((tx, i) => [0, 1, 2].map((j) => tx.trySend(i * 10 + j))),
    );
    const ok = results.filter((r) => r.status === "fulfilled").length;
    assertEquals(ok, 5);
    for (const r of results) {
      if (r.status === "rejected") {
        assert(r.reason instanceof TrySendError);
        assertEquals(r.reason.kind, "full");
      }
    }
    assertEquals(
      (await ctx.rows("SELECT count(*)::int AS n FROM $tmessages"))[0]!.n,
      5,
    );
    for (const tx of senders) await tx.dispose();
  },
);

remoteTest(
  "Capacity counts a received message until the receiver asks for the next",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 1 });
    await using rx = await connectReceiver<number>(store, "c");
    await using tx = await connectSender<number>(store, "c", { id: "a" });
    await tx.send(1);
    assertEquals(await rx.recv(), 1);
    // Delivered, not acknowledged: still counted.
    const full = await assertRejects(() => tx.trySend(2), TrySendError);
    assertEquals(full.kind, "full");
    assertEquals(full.value, 2);
    const waiting = tx.send(2);
    assertEquals(await rx.recv(), 2); // acknowledges 1, which frees the room
    await waiting;
  },
);

remoteTest(
  "RemoteSender.sendMany() beyond the capacity rejects with SendError and sends nothing",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 2 });
    await using tx = await connectSender<number>(store, "c", { id: "a" });
    const error = await assertRejects(
      () => tx.sendMany([1, 2, 3]),
      SendError,
      "capacity of 2",
    );
    assertEquals(error.value, [1, 2, 3]);
    assertEquals(
      (await ctx.rows("SELECT count(*)::int AS n FROM $tmessages"))[0]!.n,
      0,
    );
    await tx.send(4);
  },
);

remoteTest(
  "RemoteSender.sendTimeout() times out with the value, and succeeds at once with room",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 1 });
    await using tx = await connectSender<string>(store, "c", { id: "a" });
    await tx.sendTimeout("one", 0);
    const error = await assertRejects(
      () => tx.sendTimeout("two", 30),
      SendTimeoutError,
    );
    assertEquals(error.kind, "timeout");
    assertEquals(error.value, "two");
    await assertRejects(() => tx.sendTimeout("x", -1), RangeError);
  },
);

remoteTest("An abort while waiting for room sends nothing", async (ctx) => {
  const store = ctx.store();
  await createRemoteChannel(store, "c", { capacity: 1 });
  await using rx = await connectReceiver<string>(store, "c");
  await using tx = await connectSender<string>(store, "c", { id: "a" });
  await tx.send("one");
  const controller = new AbortController();
  const waiting = tx.send("two", { signal: controller.signal });
  setTimeout(() => controller.abort(new Error("stop")), 30);
  await assertRejects(() => waiting, Error, "stop");
  await assertRejects(() => tx.send("x", { signal: AbortSignal.abort() }));
  assertEquals(await rx.recv(), "one");
  // "one" counts until the receiver asks for the next.
  const three = tx.send("three");
  assertEquals(await rx.recv(), "three");
  await three;
});

remoteTest(
  "An abort while RemoteReceiver.recv() waits takes nothing",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 4 });
    await using rx = await connectReceiver<number>(store, "c");
    await using tx = await connectSender<number>(store, "c", { id: "a" });
    await assertRejects(
      () => rx.recv({ signal: AbortSignal.timeout(30) }),
      DOMException,
    );
    await tx.send(7);
    assertEquals(await rx.recv(), 7);
    const empty = await assertRejects(() => rx.tryRecv(), TryRecvError);
    assertEquals(empty.kind, "empty");
  },
);

// -- End of the stream --

remoteTest(
  "The stream ends after the queued messages once every sender disposed; later senders are refused",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 4 });
    await using rx = await connectReceiver<number>(store, "c");
    // No sender ever connected: the stream has not ended.
    assertEquals(
      (await assertRejects(() => rx.tryRecv(), TryRecvError)).kind,
      "empty",
    );
    const a = await connectSender<number>(store, "c", { id: "a" });
    const b = await connectSender<number>(store, "c", { id: "b" });
    await a.send(1);
    await a.dispose();
    await b.send(2);
    const ending = rx.recvMany([], 1).then(() => rx.recv()).then(() =>
      rx.recv()
    );
    await b.dispose();
    assertEquals(await ending, undefined);
    assertEquals(await rx.recv(), undefined);
    assertEquals(
      (await assertRejects(() => rx.tryRecv(), TryRecvError)).kind,
      "disconnected",
    );
    await assertRejects(
      () => connectSender(store, "c", { id: "late" }),
      SendError,
      "closed",
    );
  },
);

remoteTest(
  "A channel created with keepOpen stays open without senders until close()",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 4, keepOpen: true });
    await using rx = await connectReceiver<number>(store, "c");
    const a = await connectSender<number>(store, "c", { id: "a" });
    await a.send(1);
    await a.dispose();
    assertEquals(await rx.recv(), 1);
    assertEquals(
      (await assertRejects(() => rx.tryRecv(), TryRecvError)).kind,
      "empty",
    );
    const b = await connectSender<number>(store, "c", { id: "b" });
    const closed = b.closed();
    await rx.close();
    await closed;
    assertEquals(await b.isClosed(), true);
    await assertRejects(() => b.send(2), SendError);
    assertEquals(await rx.recv(), undefined);
    await b.dispose();
  },
);

remoteTest(
  "RemoteReceiver.close() refuses later sends; queued messages stay receivable",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 4 });
    await using rx = await connectReceiver<number>(store, "c");
    await using tx = await connectSender<number>(store, "c", { id: "a" });
    await tx.sendMany([1, 2]);
    await rx.close();
    const error = await assertRejects(() => tx.trySend(3), TrySendError);
    assertEquals(error.kind, "closed");
    assertEquals(
      (await assertRejects(() => tx.sendTimeout(3, 10), SendTimeoutError)).kind,
      "closed",
    );
    assertEquals(await rx.recv(), 1);
    assertEquals(await rx.recv(), 2);
    assertEquals(await rx.recv(), undefined);
  },
);

remoteTest(
  "A waiting sender is woken with SendError when the receiver closes",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 1 });
    await using rx = await connectReceiver<number>(store, "c");
    await using tx = await connectSender<number>(store, "c", { id: "a" });
    await tx.send(1);
    const waiting = tx.send(2);
    await rx.close();
    const error = await assertRejects(() => waiting, SendError);
    assertEquals(error.value, 2);
  },
);

// -- Leases and at-least-once delivery --

remoteTest(
  "connectReceiver() is refused while a live receiver holds the channel",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 4 });
    const rx = await connectReceiver(store, "c");
    await assertRejects(
      () => connectReceiver(store, "c"),
      Error,
      'a live receiver holds channel "c"',
    );
    await rx.dispose();
    await (await connectReceiver(store, "c")).dispose();
  },
);

remoteTest(
  "RemoteReceiver.dispose() acknowledges what it handed out and drops nothing queued",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 8 });
    await using tx = await connectSender<number>(store, "c", { id: "a" });
    await tx.sendMany([1, 2, 3, 4]);
    const first = await connectReceiver<number>(store, "c", { prefetch: 3 });
    assertEquals(await first.recv(), 1);
    assertEquals(await first.recv(), 2); // 3 is fetched, not handed out
    await first.dispose();
    await using second = await connectReceiver<number>(store, "c");
    const got: number[] = [];
    await second.recvMany(got, 10);
    assertEquals(got, [3, 4]);
  },
);

remoteTest(
  "A crashed receiver's unacknowledged message comes again to the next; the old one is fenced out",
  async (ctx) => {
    const cut = cuttable(ctx.client);
    const crashing = ctx.store({ leaseMs: 200, retryMs: 0 });
    const crashStore = (await import("../remote.ts")).pgStore(cut, {
      schema: ctx.schema,
      leaseMs: 200,
      retryMs: 0,
    });
    await createRemoteChannel(crashing, "c", { capacity: 8 });
    await using tx = await connectSender<number>(crashing, "c", { id: "a" });
    await tx.sendMany([1, 2, 3]);
    const old = await connectReceiver<number>(crashStore, "c");
    assertEquals(await old.recv(), 1);
    assertEquals(await old.recv(), 2); // acknowledges 1
    cut.cut = true; // the process "dies" before asking for the next
    await assertRejects(
      () => connectReceiver(crashing, "c"),
      Error,
      "live receiver",
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await using next = await connectReceiver<number>(crashing, "c");
    assertEquals(await next.recv(), 2); // at least once: 2 again
    assertEquals(await next.recv(), 3);
    cut.cut = false;
    await assertRejects(
      () => old.recv(),
      Error,
      "a newer receiver holds channel",
    );
    await old.dispose();
    await crashStore.close();
  },
);

remoteTest(
  "A crashed sender counts until its lease expires; then the stream ends",
  async (ctx) => {
    const store = ctx.store({ leaseMs: 200, pollMs: 50 });
    const cut = cuttable(ctx.client);
    const crashStore = (await import("../remote.ts")).pgStore(cut, {
      schema: ctx.schema,
      leaseMs: 200,
      retryMs: 0,
    });
    await createRemoteChannel(store, "c", { capacity: 8 });
    await using rx = await connectReceiver<number>(store, "c");
    const tx = await connectSender<number>(crashStore, "c", { id: "a" });
    await tx.send(1);
    cut.cut = true;
    const started = Date.now();
    assertEquals(await rx.recv(), 1);
    assertEquals(await rx.recv(), undefined);
    assert(
      Date.now() - started >= 100,
      "the sender counted until its lease expired",
    );
    await assertRejects(() => tx.dispose());
    await crashStore.close();
  },
);

remoteTest(
  "A sender that reconnects with its id continues its sequence and fences the old one",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 8 });
    await using rx = await connectReceiver<string>(store, "c");
    const old = await connectSender<string>(store, "c", { id: "a" });
    await old.send("1");
    const again = await connectSender<string>(store, "c", { id: "a" });
    await again.send("2");
    await assertRejects(
      () => old.send("stale"),
      SendError,
      'a newer sender with id "a"',
    );
    await old.dispose();
    await again.dispose();
    assertEquals(
      (await ctx.rows("SELECT seq::int FROM $tsenders WHERE id = 'a'"))[0]!.seq,
      2,
    );
    const got: string[] = [];
    for await (const m of rx) got.push(m);
    assertEquals(got, ["1", "2"]);
  },
);

remoteTest(
  "A send whose reply was lost is enqueued once: retried inside the call",
  async (ctx) => {
    const lossy = losingReplies(ctx.client, SEND_CALL, 2);
    const store = (await import("../remote.ts")).pgStore(lossy, {
      schema: ctx.schema,
    });
    await createRemoteChannel(store, "c", { capacity: 8 });
    await using rx = await connectReceiver<number>(store, "c");
    await using tx = await connectSender<number>(store, "c", { id: "a" });
    await tx.sendMany([1, 2]);
    await tx.send(3);
    assertEquals(lossy.lost, 2);
    const got: number[] = [];
    await rx.recvMany(got, 10);
    assertEquals(got, [1, 2, 3]);
    await tx.dispose();
    await rx.dispose();
    await store.close();
  },
);

remoteTest(
  "A send whose reply was lost past retryMs is unknown; the next call resends it once",
  async (ctx) => {
    const lossy = losingReplies(ctx.client, SEND_CALL, 1);
    const store = (await import("../remote.ts")).pgStore(lossy, {
      schema: ctx.schema,
      retryMs: 0,
    });
    await createRemoteChannel(store, "c", { capacity: 8 });
    await using rx = await connectReceiver<number>(store, "c");
    await using tx = await connectSender<number>(store, "c", { id: "a" });
    await assertRejects(() => tx.send(1), Error, "the outcome is unknown");
    await tx.send(2); // resends 1 with its sequence number first: dropped
    const got: number[] = [];
    await rx.recvMany(got, 10);
    assertEquals(got, [1, 2]);
    assertStrictEquals(lossy.lost, 1);
    await tx.dispose();
    await rx.dispose();
    await store.close();
  },
);
