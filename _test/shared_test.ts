// Copyright 2026 the @seed/mpsc authors. MIT license.
// Shared channels on one thread: bad input, codecs, tokens, permits, closing and cancellation.

import {
  assert,
  assertEquals,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import {
  type Codec,
  codecs,
  sharedChannel,
  SharedReceiver,
  SharedSender,
  type SharedSenderToken,
} from "../shared.ts";
import {
  SendError,
  SendTimeoutError,
  TryRecvError,
  TrySendError,
} from "../error.ts";
import { readLayout } from "../shared_layout.ts";
import { SharedList } from "../shared_list.ts";

// -- Bad input --

Deno.test("sharedChannel() refuses bad capacity, slotBytes and codec with errors naming them", async (t) => {
  const cases: [string, () => unknown, ErrorConstructor, string][] = [
    [
      "capacity 0",
      () => sharedChannel(0),
      RangeError,
      "capacity must be an integer from 1 to 16777216, received 0",
    ],
    ["capacity -1", () => sharedChannel(-1), RangeError, "received -1"],
    ["capacity 1.5", () => sharedChannel(1.5), RangeError, "received 1.5"],
    ["capacity NaN", () => sharedChannel(NaN), RangeError, "received NaN"],
    [
      "capacity Infinity",
      () => sharedChannel(Infinity),
      RangeError,
      "received Infinity",
    ],
    [
      "capacity 2^24 + 1",
      () => sharedChannel(2 ** 24 + 1),
      RangeError,
      "capacity",
    ],
    [
      "capacity a string",
      () => sharedChannel("4" as unknown as number),
      TypeError,
      "capacity must be a number, received a string",
    ],
    [
      "slotBytes 0",
      () => sharedChannel(1, { slotBytes: 0 }),
      RangeError,
      "slotBytes must be an integer from 1 to 16777216, received 0",
    ],
    [
      "slotBytes 2.5",
      () => sharedChannel(1, { slotBytes: 2.5 }),
      RangeError,
      "slotBytes",
    ],
    [
      "slotBytes null",
      () => sharedChannel(1, { slotBytes: null as unknown as number }),
      TypeError,
      "slotBytes must be a number, received null",
    ],
    [
      "slotBytes below the codec's size",
      () => sharedChannel(1, { slotBytes: 4, codec: codecs.number }),
      RangeError,
      "slotBytes must be at least the codec's byteLength (8), received 4",
    ],
    [
      "a buffer too large",
      () => sharedChannel(2 ** 24, { slotBytes: 2 ** 10 }),
      RangeError,
      "capacity × slotBytes",
    ],
    [
      "codec not a codec",
      () => sharedChannel(1, { codec: {} as Codec<number> }),
      TypeError,
      "options.codec must be a codec",
    ],
  ];
  for (const [name, make, type, message] of cases) {
    await t.step(name, () => {
      assertThrows(make, type, message);
    });
  }
});

Deno.test("SharedSender.send() of a value too large for its slot is a RangeError naming slotBytes, and nothing is sent", async () => {
  const [tx, rx] = sharedChannel(2, { slotBytes: 4 });
  await assertRejects(
    () => tx.send(new Uint8Array(5)),
    RangeError,
    "its encoding takes 5 bytes, more than slotBytes (4)",
  );
  assertThrows(() => tx.trySend(new Uint8Array(5)), RangeError, "slotBytes");
  assertThrows(
    () => tx.blockingSend(new Uint8Array(9)),
    RangeError,
    "slotBytes",
  );
  assertEquals(tx.capacity(), 2, "the failed sends took no room");
  const permit = tx.tryReserve();
  assertThrows(() => permit.send(new Uint8Array(5)), RangeError, "slotBytes");
  permit.send(new Uint8Array([1, 2, 3, 4]));
  assertEquals(rx.tryRecv(), new Uint8Array([1, 2, 3, 4]));
  assertThrows(() => rx.tryRecv(), TryRecvError, "empty");
  tx.dispose();
  assertEquals(await rx.recv(), undefined);
});

Deno.test("SharedSender.trySend(): a codec without byteLengthOf fails in encode; its slot comes back when the receiver passes it", () => {
  const loose: Codec<number> = {
    encode: (value) => value,
    decode: () => 0,
  };
  const [tx, rx] = sharedChannel(2, { codec: loose, slotBytes: 4 });
  assertThrows(
    () => tx.trySend(5),
    RangeError,
    "5 bytes, more than slotBytes (4)",
  );
  assertEquals(tx.capacity(), 1, "the claimed slot waits for the receiver");
  assertThrows(() => rx.tryRecv(), TryRecvError, "empty");
  assertEquals(tx.capacity(), 2, "passing the empty slot gave it back");
  tx.trySend(4);
  assertEquals(rx.tryRecv(), 0);
  tx.dispose();
  rx.dispose();
});

Deno.test("SharedSender.trySend() with a value the codec refuses is a TypeError, and nothing is sent", () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  assertThrows(
    () => tx.trySend("1" as unknown as number),
    TypeError,
    "codecs.number sends numbers, received string",
  );
  tx.trySend(1);
  assertEquals(rx.tryRecv(), 1);
  tx.dispose();
  rx.dispose();
});

Deno.test("SharedSender.from() and SharedReceiver.from(): a token adopted twice is a ReferenceError, one not ours a TypeError", async (t) => {
  const [tx, rx] = sharedChannel<number>(2, { codec: codecs.number });
  const token = tx.share();
  const adopted = SharedSender.from(structuredClone(token));
  await t.step("adopted twice", () => {
    assertThrows(
      () => SharedSender.from(token),
      ReferenceError,
      "already adopted",
    );
  });
  const bad: [string, unknown][] = [
    ["undefined", undefined],
    ["a plain object", {}],
    ["a foreign buffer", { ...token, buffer: new SharedArrayBuffer(4096) }],
    ["an ArrayBuffer", { ...token, buffer: new ArrayBuffer(8) }],
    ["a receiver token", { ...token, kind: "receiver" }],
    ["a bad entry", { ...token, entry: 1e9 }],
  ];
  for (const [name, value] of bad) {
    await t.step(name, () => {
      assertThrows(
        () => SharedSender.from(value as SharedSenderToken<number>),
        TypeError,
        "token must be a shared sender token",
      );
    });
  }
  await t.step("a sender token to SharedReceiver.from", () => {
    assertThrows(
      () => SharedReceiver.from(token as never),
      TypeError,
      "receiver token",
    );
  });
  assertEquals(rx.senderStrongCount(), 2, "failed adoptions changed nothing");
  adopted.dispose();
  tx.dispose();
  rx.dispose();
});

Deno.test("SharedReceiver.from() needs the codec again when the channel has a custom one", () => {
  const byte: Codec<number> = {
    byteLength: 1,
    encode: (value, bytes, _view, offset) => (bytes[offset] = value, 1),
    decode: (bytes, _view, offset) => bytes[offset]!,
  };
  const [tx, rx] = sharedChannel(1, { codec: byte });
  const token = rx.share();
  assertThrows(() => SharedReceiver.from(token), TypeError, "options.codec");
  const moved = SharedReceiver.from(token, { codec: byte });
  tx.trySend(200);
  assertEquals(moved.tryRecv(), 200);
  tx.dispose();
  moved.dispose();
});

Deno.test("SharedSender methods on a disposed handle throw or reject with ReferenceError", async () => {
  const [tx, rx] = sharedChannel(1);
  tx.dispose();
  tx.dispose();
  assertThrows(() => tx.trySend(new Uint8Array()), ReferenceError, "disposed");
  assertThrows(() => tx.clone(), ReferenceError);
  assertThrows(() => tx.share(), ReferenceError);
  await assertRejects(() => tx.send(new Uint8Array()), ReferenceError);
  await assertRejects(() => tx.reserve(), ReferenceError);
  await assertRejects(() => tx.closed(), ReferenceError);
  rx.dispose();
  assertThrows(() => rx.tryRecv(), ReferenceError);
  await assertRejects(() => rx.recv(), ReferenceError);
});

Deno.test("SharedSender.send() rejects a signal that is not an AbortSignal with a TypeError naming signal", async () => {
  const [tx, rx] = sharedChannel(1);
  await assertRejects(
    () => tx.send(new Uint8Array(), { signal: {} as AbortSignal }),
    TypeError,
    "options.signal must be an AbortSignal",
  );
  assertEquals(rx.len(), 0);
  tx.dispose();
  rx.dispose();
});

Deno.test("SharedReceiver.recvMany() and blockingRecv() check buffer, limit and timeout", () => {
  const [tx, rx] = sharedChannel(1);
  assertThrows(
    () => rx.blockingRecvMany({} as never, 1),
    TypeError,
    "buffer must be an array",
  );
  assertThrows(() => rx.blockingRecvMany([], -1), RangeError, "limit");
  assertThrows(() => rx.blockingRecv({ timeout: -1 }), RangeError, "timeout");
  assertEquals(rx.blockingRecvMany([], 0), 0);
  tx.dispose();
  rx.dispose();
});

// -- Codecs --

Deno.test("codecs round-trip their values", async (t) => {
  await t.step("bytes: recv returns a copy on an ordinary buffer", () => {
    const [tx, rx] = sharedChannel(1, { slotBytes: 8 });
    tx.trySend(new Uint8Array([1, 2, 3]));
    const got = rx.tryRecv();
    assertEquals(got, new Uint8Array([1, 2, 3]));
    assert(!(got.buffer instanceof SharedArrayBuffer));
    tx.dispose();
    rx.dispose();
  });
  await t.step("number", () => {
    const [tx, rx] = sharedChannel(4, { codec: codecs.number });
    for (const n of [0, -0, 1.5, NaN, Infinity, -1e300]) {
      tx.trySend(n);
      assertStrictEquals(rx.tryRecv(), n);
    }
    tx.dispose();
    rx.dispose();
  });
  await t.step("string: ASCII, UTF-8 and the exact fit", () => {
    const [tx, rx] = sharedChannel(4, { codec: codecs.string, slotBytes: 6 });
    for (const s of ["", "abc", "héllo", "日本", "abcdef"]) {
      tx.trySend(s);
      assertEquals(rx.tryRecv(), s);
    }
    assertThrows(() => tx.trySend("héllo!"), RangeError, "7 bytes");
    assertThrows(() => tx.trySend("abcdefg"), RangeError, "slotBytes (6)");
    tx.dispose();
    rx.dispose();
  });
  await t.step("json, undefined included", () => {
    const [tx, rx] = sharedChannel<unknown>(4, {
      codec: codecs.json,
      slotBytes: 64,
    });
    for (const v of [{ a: [1, "x"] }, null, 3, "s", undefined]) {
      tx.trySend(v);
      assertEquals(rx.tryRecv(), v);
    }
    tx.dispose();
    rx.dispose();
  });
});

// -- Capacity, order and cancellation on one thread --

Deno.test("SharedSender: waiting senders are served first come, first served; trySend does not barge", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  tx.trySend(0);
  const order: number[] = [];
  const sends = [1, 2, 3].map((n) => tx.send(n).then(() => order.push(n)));
  assertThrows(() => tx.trySend(9), TrySendError, "full");
  const got: number[] = [];
  for (let i = 0; i < 4; i++) got.push((await rx.recv())!);
  await Promise.all(sends);
  assertEquals(got, [0, 1, 2, 3]);
  assertEquals(order, [1, 2, 3]);
  tx.dispose();
  rx.dispose();
});

Deno.test("SharedSender.send(): more waiters than the ticket ring holds all get through, once each; the first 256 in order", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  tx.trySend(-1);
  const sends = Array.from({ length: 300 }, (_, i) => tx.send(i));
  const received: number[] = [];
  for (let i = 0; i < 301; i++) received.push((await rx.recv())!);
  await Promise.all(sends);
  assertEquals(
    received.slice(0, 257),
    Array.from({ length: 257 }, (_, i) => i - 1),
  );
  assertEquals(
    received.toSorted((a, b) => a - b),
    Array.from({ length: 301 }, (_, i) => i - 1),
  );
  assertEquals(tx.capacity(), 1);
  tx.dispose();
  assertEquals(await rx.recv(), undefined);
});

Deno.test("SharedSender.send(): an aborted wait takes nothing and the next waiter gets the room", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  tx.trySend(0);
  const controller = new AbortController();
  const aborted = tx.send(1, { signal: controller.signal });
  const next = tx.send(2);
  controller.abort(new Error("stop"));
  await assertRejects(() => aborted, Error, "stop");
  assertEquals(await rx.recv(), 0);
  await next;
  assertEquals(await rx.recv(), 2);
  assertEquals(tx.capacity(), 1);
  tx.dispose();
  assertEquals(await rx.recv(), undefined);
});

Deno.test("SharedSender.send(): an already aborted signal rejects at once and changes nothing", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  const reason = new Error("already");
  await assertRejects(
    () => tx.send(1, { signal: AbortSignal.abort(reason) }),
    Error,
    "already",
  );
  assertEquals(rx.len(), 0);
  tx.dispose();
  rx.dispose();
});

Deno.test("SharedSender.sendTimeout(): times out with the value, or reports closed", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  await tx.sendTimeout(1, 0);
  const error = await assertRejects(
    () => tx.sendTimeout(2, 1),
    SendTimeoutError,
  );
  assertEquals(error.kind, "timeout");
  assertEquals(error.value, 2);
  assertEquals(tx.capacity(), 0);
  rx.close();
  const closed = await assertRejects(
    () => tx.sendTimeout(3, 1),
    SendTimeoutError,
  );
  assertEquals(closed.kind, "closed");
  tx.dispose();
  rx.dispose();
});

Deno.test("SharedReceiver.recv(): an aborted receive takes no message", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  const controller = new AbortController();
  const pending = rx.recv({ signal: controller.signal });
  controller.abort(new Error("stop"));
  await assertRejects(() => pending, Error, "stop");
  tx.trySend(5);
  assertEquals(await rx.recv(), 5);
  tx.dispose();
  rx.dispose();
});

Deno.test("SharedReceiver.recv(): concurrent calls are served in call order", async () => {
  const [tx, rx] = sharedChannel(4, { codec: codecs.number });
  const calls = [rx.recv(), rx.recv(), rx.recv()];
  assertThrows(() => rx.tryRecv(), TryRecvError, "empty");
  for (const n of [1, 2, 3]) await tx.send(n);
  assertEquals(await Promise.all(calls), [1, 2, 3]);
  tx.dispose();
  rx.dispose();
});

// -- Closing and draining --

Deno.test("SharedReceiver.close(): permits held can still send; recv ends once they are used or disposed", async () => {
  const [tx, rx] = sharedChannel(2, { codec: codecs.number });
  const p1 = tx.tryReserve();
  const p2 = tx.tryReserve();
  rx.close();
  assertThrows(() => tx.trySend(1), TrySendError, "closed");
  await assertRejects(() => tx.reserve(), SendError);
  p1.send(1);
  assertEquals(await rx.recv(), 1);
  const end = rx.recv();
  p2.dispose();
  assertEquals(await end, undefined);
  assertThrows(() => rx.tryRecv(), TryRecvError, "disconnected");
  tx.dispose();
  rx.dispose();
});

Deno.test("SharedReceiver.close() settles a pending recv() once the channel is drained, and leaves no wait behind", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  const pending = rx.recv();
  rx.close();
  assertEquals(await pending, undefined);
  assert(tx.isClosed());
  tx.dispose();
  rx.dispose();
});

Deno.test("SharedReceiver.close() fails waiting senders with SendError, oldest first", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  tx.trySend(0);
  const failed: number[] = [];
  const sends = [1, 2].map((n) =>
    tx.send(n).catch((e) => {
      assert(e instanceof SendError);
      failed.push(e.value as number);
    })
  );
  const closed = tx.closed();
  rx.close();
  await Promise.all(sends);
  await closed;
  assertEquals(failed, [1, 2]);
  assertEquals(await rx.recv(), 0);
  assertEquals(await rx.recv(), undefined);
  tx.dispose();
  rx.dispose();
});

Deno.test("SharedReceiver.dispose() discards buffered messages and settles its pending receives", async () => {
  const [tx, rx] = sharedChannel(2, { codec: codecs.number });
  const [tx2, rx2] = sharedChannel(2, { codec: codecs.number });
  tx.trySend(1);
  rx.dispose();
  assert(tx.isClosed());
  assertEquals(tx.capacity(), 2, "the discarded message's room came back");
  const pending = rx2.recv();
  const many = rx2.recvMany([], 4);
  rx2.dispose();
  assertEquals(await pending, undefined);
  assertEquals(await many, 0);
  tx.dispose();
  tx2.dispose();
});

Deno.test("SharedSender: a permit keeps the stream open after its sender is disposed", async () => {
  const [tx, rx] = sharedChannel(2, { codec: codecs.number });
  const permit = await tx.reserve();
  tx.dispose();
  assertEquals(rx.senderStrongCount(), 1);
  const next = rx.recv();
  permit.send(7);
  assertEquals(await next, 7);
  assertEquals(rx.senderStrongCount(), 0);
  assertEquals(await rx.recv(), undefined);
});

Deno.test("SharedSender.share(): a token counts as a strong sender until adopted and disposed", async () => {
  const [tx, rx] = sharedChannel(1);
  const token = tx.share();
  tx.dispose();
  assertEquals(rx.senderStrongCount(), 1);
  assertEquals(rx.isClosed(), false);
  SharedSender.from(token).dispose();
  assertEquals(await rx.recv(), undefined);
});

Deno.test("SharedReceiver.share() moves the receiver with its position", () => {
  const [tx, rx] = sharedChannel(4, { codec: codecs.number });
  for (let i = 0; i < 3; i++) tx.trySend(i);
  assertEquals(rx.tryRecv(), 0);
  const moved = SharedReceiver.from(structuredClone(rx.share()));
  assertThrows(() => rx.tryRecv(), ReferenceError);
  assertEquals(moved.tryRecv(), 1);
  assertEquals(moved.tryRecv(), 2);
  tx.dispose();
  moved.dispose();
});

Deno.test("SharedReceiver: positions wrap round the ring many times without loss", () => {
  const [tx, rx] = sharedChannel(3, { codec: codecs.number });
  const buffer: number[] = [];
  for (let i = 0; i < 10_000; i++) {
    tx.trySend(i);
    if (i % 3 === 2) rx.blockingRecvMany(buffer, 3);
  }
  assertEquals(buffer.length, 9_999);
  assert(buffer.every((v, i) => v === i));
  tx.dispose();
  rx.dispose();
});

// -- Inspection --

Deno.test("SharedSender and SharedReceiver: Deno.inspect shows their state, never a message", () => {
  const [tx, rx] = sharedChannel(2, { codec: codecs.string, slotBytes: 16 });
  tx.trySend("secret");
  assertEquals(
    Deno.inspect(tx),
    "SharedSender { capacity: 1, maxCapacity: 2, strongCount: 1, closed: false }",
  );
  assertEquals(
    Deno.inspect(rx),
    "SharedReceiver { queued: 1, capacity: 1, closed: false }",
  );
  const permit = tx.tryReserve();
  assertEquals(Deno.inspect(permit), "SharedPermit { used: false }");
  permit.dispose();
  assertEquals(Deno.inspect(permit), "SharedPermit { disposed: true }");
  tx.dispose();
  assertEquals(Deno.inspect(tx), "SharedSender { disposed: true }");
  assert(!Deno.inspect(rx).includes("secret"));
  rx.dispose();
});

// -- User code in a receive: buffers that refuse, codecs that throw --

Deno.test("SharedReceiver.recvMany() and blockingRecvMany(): a buffer that refuses leaves the messages first, in order", async (t) => {
  await t.step(
    "frozen or sealed at the call: a TypeError naming buffer, nothing taken",
    async () => {
      for (
        const buffer of [
          Object.freeze([]),
          Object.seal([]),
        ] as unknown as number[][]
      ) {
        const [tx, rx] = sharedChannel(4, { codec: codecs.number });
        tx.trySend(1);
        await assertRejects(
          () => rx.recvMany(buffer, 10),
          TypeError,
          "buffer must be an extensible array",
        );
        assertThrows(
          () => rx.blockingRecvMany(buffer, 10),
          TypeError,
          "buffer must be an extensible array",
        );
        assertEquals(rx.tryRecv(), 1);
        tx.dispose();
        rx.dispose();
      }
    },
  );
  await t.step("a throwing push", async () => {
    const make = () => {
      const buffer: number[] = [];
      buffer.push = () => {
        throw new Error("no");
      };
      return buffer;
    };
    const [tx, rx] = sharedChannel(4, { codec: codecs.number });
    tx.trySend(1);
    tx.trySend(2);
    const error = await assertRejects(
      () => rx.recvMany(make(), 10),
      TypeError,
      "buffer refused them",
    );
    assert(error.message.startsWith("Cannot receive "));
    assertThrows(
      () => rx.blockingRecvMany(make(), 10),
      TypeError,
      "buffer refused them",
    );
    assertEquals(rx.len(), 2);
    assertEquals(tx.capacity(), 2);
    const buffer: number[] = [];
    assertEquals(await rx.recvMany(buffer, 10), 2);
    assertEquals(buffer, [1, 2]);
    tx.dispose();
    rx.dispose();
  });
  await t.step(
    "a pending recvMany() whose buffer is frozen meanwhile rejects, and the messages stay",
    async () => {
      const [tx, rx] = sharedChannel(4, { codec: codecs.number });
      const buffer: number[] = [];
      const pending = rx.recvMany(buffer, 10);
      Object.freeze(buffer);
      tx.trySend(1);
      tx.trySend(2);
      await assertRejects(() => pending, TypeError, "buffer refused them");
      assertEquals(rx.tryRecv(), 1);
      assertEquals(rx.tryRecv(), 2);
      tx.dispose();
      rx.dispose();
    },
  );
  await t.step(
    "a push that fails after some were taken returns those; the rest stay",
    async () => {
      const [tx, rx] = sharedChannel(4, { codec: codecs.number });
      for (let i = 1; i <= 3; i++) tx.trySend(i);
      const buffer: number[] = [];
      buffer.push = function (...items: number[]) {
        if (this.length >= 1) throw new Error("full");
        return Array.prototype.push.apply(this, items);
      };
      assertEquals(await rx.recvMany(buffer, 10), 1);
      assertEquals([...buffer], [1]);
      assertEquals(rx.tryRecv(), 2);
      assertEquals(rx.tryRecv(), 3);
      tx.dispose();
      rx.dispose();
    },
  );
});

Deno.test("SharedReceiver.recvMany(): a push that calls back into the receiver neither duplicates nor loses a message", async () => {
  const [tx, rx] = sharedChannel(4, { codec: codecs.number });
  for (let i = 1; i <= 3; i++) tx.trySend(i);
  const seen: unknown[] = [];
  const buffer: number[] = [];
  let pending: Promise<number | undefined> | undefined;
  buffer.push = function (...items: number[]) {
    assertThrows(() => rx.tryRecv(), TryRecvError, "empty");
    assertThrows(() => rx.blockingRecv(), TypeError);
    assertThrows(() => rx.share(), TypeError);
    pending ??= rx.recv();
    return Array.prototype.push.apply(this, items);
  };
  assertEquals(await rx.recvMany(buffer, 2), 2);
  assertEquals([...buffer], [1, 2]);
  seen.push(await pending);
  assertEquals(seen, [3]);
  tx.dispose();
  assertEquals(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("SharedReceiver.recvMany(): a message that fails to decode is skipped with its error, as by recv()", async () => {
  const byte: Codec<number> = {
    byteLength: 1,
    encode: (v, b, _dv, o) => (b[o] = v, 1),
    decode: (b, _dv, o) => {
      if (b[o] === 13) throw new Error("bad 13");
      return b[o]!;
    },
  };
  for (const first of [true, false]) {
    const [tx, rx] = sharedChannel(4, { codec: byte });
    if (!first) tx.trySend(1);
    tx.trySend(13);
    tx.trySend(2);
    tx.trySend(3);
    const buffer: number[] = [];
    if (!first) {
      // Some taken: the count so far, and the bad message stays first.
      assertEquals(await rx.recvMany(buffer, 10), 1);
      assertEquals(buffer, [1]);
      buffer.length = 0;
    }
    await assertRejects(() => rx.recvMany(buffer, 10), Error, "bad 13");
    assertEquals(buffer, []);
    assertEquals(tx.capacity(), 2);
    assertEquals(await rx.recvMany(buffer, 10), 2);
    assertEquals(buffer, [2, 3]);
    tx.dispose();
    assertEquals(await rx.recvMany(buffer, 10), 0);
    rx.dispose();
  }
  const [tx, rx] = sharedChannel(4, { codec: byte });
  tx.trySend(13);
  tx.trySend(2);
  const buffer: number[] = [];
  assertThrows(() => rx.blockingRecvMany(buffer, 10), Error, "bad 13");
  assertEquals(rx.blockingRecvMany(buffer, 10), 1);
  assertEquals(buffer, [2]);
  tx.dispose();
  rx.dispose();
});

// -- One sender's order while one of its sends waits --

Deno.test("SharedSender: a send granted room keeps its place before later calls of the same handle", async () => {
  const [tx, rx] = sharedChannel(2, { codec: codecs.number });
  tx.trySend(0);
  tx.trySend(1);
  const first = tx.send(100);
  await new Promise((resolve) => setTimeout(resolve, 5));
  // Grants `first` its room (not yet written) and frees one slot.
  assertEquals([rx.tryRecv(), rx.tryRecv()], [0, 1]);
  assertThrows(() => tx.trySend(150), TrySendError, "full");
  assertThrows(() => tx.tryReserve(), TrySendError, "full");
  const second = tx.send(200);
  await first;
  await second;
  // Another handle is another sender: it is not held back.
  const other = tx.clone();
  assertEquals([rx.tryRecv(), rx.tryRecv()], [100, 200]);
  other.trySend(300);
  tx.trySend(400);
  assertEquals([rx.tryRecv(), rx.tryRecv()], [300, 400]);
  other.dispose();
  tx.dispose();
  assertEquals(await rx.recv(), undefined);
  rx.dispose();
});

Deno.test("SharedSender: a call waiting behind an earlier send of its handle can be aborted, time out, or fail on close", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  tx.trySend(0);
  const first = tx.send(1);
  const controller = new AbortController();
  const aborted = tx.send(2, { signal: controller.signal });
  const reserving = tx.reserve({ signal: controller.signal });
  const timed = tx.sendTimeout(3, 5);
  controller.abort(new Error("stop"));
  await assertRejects(() => aborted, Error, "stop");
  await assertRejects(() => reserving, Error, "stop");
  const timeout = await assertRejects(() => timed, SendTimeoutError);
  assertEquals([timeout.kind, timeout.value], ["timeout", 3]);
  assertEquals(tx.capacity(), 0);
  const later = tx.send(4);
  assertEquals(rx.tryRecv(), 0);
  await first;
  assertEquals(rx.tryRecv(), 1);
  await later;
  assertEquals(rx.tryRecv(), 4);
  // Closing fails the waiting send and the one behind it.
  tx.trySend(5);
  const blocked = tx.send(6);
  const behind = tx.send(7);
  rx.close();
  await assertRejects(() => blocked, SendError);
  await assertRejects(() => behind, SendError);
  assertEquals(rx.tryRecv(), 5);
  tx.dispose();
  assertThrows(() => rx.tryRecv(), TryRecvError, "disconnected");
  rx.dispose();
});

// -- One order per handle, async and blocking --

Deno.test("SharedSender.blockingSend() waits behind a pending send() of the same handle: messages keep call order", async () => {
  const [tx, rx] = sharedChannel(2, { codec: codecs.number });
  tx.trySend(10);
  tx.trySend(11);
  const pending = tx.send(1);
  // Room for `pending` is granted on the first receive; the second frees a
  // slot that a barging blockingSend would take first.
  assertEquals(rx.tryRecv(), 10);
  assertEquals(rx.tryRecv(), 11);
  tx.blockingSend(2, { timeout: 1000 });
  await pending;
  assertEquals([rx.tryRecv(), rx.tryRecv()], [1, 2]);
  tx.dispose();
  rx.dispose();
});

Deno.test("SharedSender.blockingSend() completes the handle's pending reserve() and sendTimeout(), in order, and times out leaving the rest waiting", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  tx.trySend(0);
  const reserving = tx.reserve();
  const timed = tx.sendTimeout(5, 60_000);
  assertEquals(rx.tryRecv(), 0);
  // The reservation gets the slot; the timed send and this call wait for
  // room that only this thread could free.
  const error = assertThrows(
    () => tx.blockingSend(9, { timeout: 5 }),
    SendTimeoutError,
  );
  assertEquals([error.kind, error.value], ["timeout", 9]);
  const permit = await reserving;
  permit.send(1);
  assertEquals(rx.tryRecv(), 1);
  await timed;
  assertEquals(rx.tryRecv(), 5);
  assertThrows(() => rx.tryRecv(), TryRecvError, "empty");
  tx.dispose();
  rx.dispose();
});

// -- Waiting at scale --

Deno.test("SharedSender.send(): senders beyond the ticket ring are woken one at a time, not all at every freed slot", async () => {
  const senders = 1000;
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  tx.trySend(-1);
  const handles = Array.from({ length: senders }, () => tx.clone());
  const sends = handles.map((handle, i) => handle.send(i));
  const notify = Atomics.notify;
  let woken = 0;
  Atomics.notify = (array, index, count) => {
    const n = notify(array as Int32Array, index, count);
    woken += n;
    return n;
  };
  const received: number[] = [];
  try {
    for (let i = 0; i <= senders; i++) received.push((await rx.recv())!);
  } finally {
    Atomics.notify = notify;
  }
  await Promise.all(sends);
  assertEquals(received.length, senders + 1);
  assertEquals(new Set(received).size, senders + 1);
  // A herd wakes every sender beyond the ring at each freed slot: hundreds
  // of thousands of wake-ups. One at a time, a few per message.
  assert(woken <= 4 * senders, `${woken} wake-ups for ${senders} messages`);
  for (const handle of handles) handle.dispose();
  tx.dispose();
  rx.dispose();
});

Deno.test("SharedSender.send(): handles with several calls each, beyond the ticket ring, all get through in each handle's order", async () => {
  const [tx, rx] = sharedChannel(2, { codec: codecs.number });
  tx.trySend(-1);
  tx.trySend(-1);
  const handles = Array.from({ length: 300 }, () => tx.clone());
  const sends = handles.flatMap((handle, h) =>
    [0, 1, 2].map((k) => handle.send(h * 10 + k))
  );
  const next = new Array(300).fill(0);
  for (let i = 0; i < 902; i++) {
    const value = (await rx.recv())!;
    if (value < 0) continue;
    const h = Math.floor(value / 10);
    assertEquals(value % 10, next[h], `handle ${h}'s next message`);
    next[h]++;
  }
  await Promise.all(sends);
  assertEquals(next, new Array(300).fill(3));
  assertEquals(tx.capacity(), 2);
  for (const handle of handles) handle.dispose();
  tx.dispose();
  rx.dispose();
});

Deno.test("SharedReceiver.close() wakes senders waiting for room in a full ticket ring with SendError", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  tx.trySend(-1);
  const handles = Array.from({ length: 300 }, () => tx.clone());
  const sends = handles.map((handle, i) => handle.send(i));
  // Let the senders beyond the ring go to sleep.
  await new Promise((resolve) => setTimeout(resolve, 5));
  rx.close();
  const results = await Promise.allSettled(sends);
  assert(
    results.every((r) =>
      r.status === "rejected" && r.reason instanceof SendError
    ),
  );
  assertEquals(rx.tryRecv(), -1);
  for (const handle of handles) handle.dispose();
  tx.dispose();
  rx.dispose();
});

Deno.test("SharedReceiver.recv() and SharedSender.send(): waits sharing one signal take one listener, and all abort, taking nothing", async () => {
  const [tx, rx] = sharedChannel(1, { codec: codecs.number });
  const controller = new AbortController();
  const signal = controller.signal;
  const add = signal.addEventListener;
  let listeners = 0;
  signal.addEventListener = function (
    this: AbortSignal,
    ...args: Parameters<typeof add>
  ) {
    listeners++;
    return add.apply(this, args);
  };
  const receives = Array.from({ length: 2000 }, () => rx.recv({ signal }));
  assertEquals(listeners, 1);
  controller.abort(new Error("stop"));
  const settled = await Promise.allSettled(receives);
  assert(settled.every((r) => r.status === "rejected"));

  const second = new AbortController();
  const signal2 = second.signal;
  const add2 = signal2.addEventListener;
  let listeners2 = 0;
  signal2.addEventListener = function (
    this: AbortSignal,
    ...args: Parameters<typeof add2>
  ) {
    listeners2++;
    return add2.apply(this, args);
  };
  tx.trySend(0);
  const handles = Array.from({ length: 400 }, () => tx.clone());
  const sends = handles.map((h, i) => h.send(i, { signal: signal2 }));
  const closed = handles.map((h) => h.closed({ signal: signal2 }));
  assert(listeners2 <= 2, `${listeners2} listeners`);
  second.abort(new Error("stop"));
  for (const r of await Promise.allSettled([...sends, ...closed])) {
    assertEquals(r.status, "rejected");
  }
  // Nothing was taken: the one message, and the room it leaves.
  assertEquals(rx.tryRecv(), 0);
  assertEquals(tx.capacity(), 1);
  for (const handle of handles) handle.dispose();
  tx.dispose();
  rx.dispose();
});

// -- The cooperative budget --

Deno.test("Shared channels charge the cooperative budget: a loop that never waits lets a 1 ms interval tick", async (t) => {
  const [tx, rx] = sharedChannel(8, { codec: codecs.number });
  const loops: [string, () => Promise<unknown>][] = [
    ["send and recv", async () => {
      await tx.send(1);
      await rx.recv();
    }],
    ["sendTimeout and recvMany", async () => {
      await tx.sendTimeout(1, 10);
      await rx.recvMany([], 8);
    }],
    ["reserve", async () => (await tx.reserve()).dispose()],
    ["recvMany with limit 0", () => rx.recvMany([], 0)],
    [
      "send with an aborted signal, rejected at once",
      () => tx.send(1, { signal: AbortSignal.abort() }).catch(() => {}),
    ],
  ];
  for (const [name, once] of loops) {
    await t.step(name, async () => {
      let ticks = 0;
      const interval = setInterval(() => ticks++, 1);
      try {
        // Without the budget, no macrotask runs during the loop.
        for (let i = 0; i < 200_000 && ticks < 3; i++) await once();
      } finally {
        clearInterval(interval);
      }
      assert(ticks >= 3, `the interval ticked ${ticks} times`);
    });
  }
  rx.close();
  await t.step("closed() on a closed channel", async () => {
    let ticks = 0;
    const interval = setInterval(() => ticks++, 1);
    try {
      for (let i = 0; i < 200_000 && ticks < 3; i++) await tx.closed();
    } finally {
      clearInterval(interval);
    }
    assert(ticks >= 3, `the interval ticked ${ticks} times`);
  });
  tx.dispose();
  rx.dispose();
});

// -- User code that disposes the receiver --

Deno.test("SharedReceiver: a decode that disposes the receiver while calls wait settles them all, with no uncaught error", async () => {
  const codec: Codec<number> = {
    byteLength: 8,
    encode: (
      value,
      _bytes,
      view,
      offset,
    ) => (view.setFloat64(offset, value), 8),
    decode: (_bytes, view, offset) => {
      const value = view.getFloat64(offset);
      if (value === 1) rx.dispose();
      return value;
    },
  };
  const [tx, rx] = sharedChannel(4, { codec });
  const first = rx.recv();
  const second = rx.recv();
  const many = rx.recvMany([], 4);
  tx.trySend(1);
  const results = await Promise.all([first, second, many]);
  // The call being served took its message before the disposal (a take is
  // final, as a buffer's push that disposes an in-process receiver keeps
  // what it was given); the calls behind it settle as closed.
  assertEquals(results, [1, undefined, 0]);
  assert(tx.isClosed());
  tx.dispose();
});

Deno.test("SharedReceiver: a slot claimed and never published (its Worker terminated mid-write) holds back later messages; dispose() gets the receiver out", async () => {
  const [tx, rx] = sharedChannel(4, { codec: codecs.number });
  const token = tx.share();
  // What a terminated Worker leaves: a permit taken, a slot claimed, no
  // ready bit. (Its sender count leaks too: the token is never adopted.)
  const buffer = token.buffer;
  const layout = readLayout(new Int32Array(buffer))!;
  tx.tryReserve(); // never given back
  new SharedList(new Int32Array(buffer), layout).claim();
  tx.trySend(7);
  tx.dispose();
  assertEquals(rx.len(), 2);
  assertThrows(() => rx.tryRecv(), TryRecvError, "empty");
  rx.close();
  const waiting = rx.recv();
  assertThrows(() => rx.tryRecv(), TryRecvError, "empty");
  rx.dispose();
  assertEquals(await waiting, undefined);
});

Deno.test("SharedReceiver: a decode or push that aborts the call it serves: the call keeps what it took, and the next call is served", async () => {
  const controller = new AbortController();
  const codec: Codec<number> = {
    byteLength: 8,
    encode: (
      value,
      _bytes,
      view,
      offset,
    ) => (view.setFloat64(offset, value), 8),
    decode: (_bytes, view, offset) => {
      const value = view.getFloat64(offset);
      if (value === 1) controller.abort(new Error("late"));
      return value;
    },
  };
  const [tx, rx] = sharedChannel(4, { codec });
  const first = rx.recv({ signal: controller.signal });
  const second = rx.recv();
  tx.trySend(1);
  tx.trySend(2);
  assertEquals(await Promise.all([first, second]), [1, 2]);

  const again = new AbortController();
  const buffer: number[] = [];
  buffer.push = function (...items: number[]) {
    again.abort(new Error("late"));
    return Array.prototype.push.apply(this, items);
  };
  const many = rx.recvMany(buffer, 4, { signal: again.signal });
  const next = rx.recv();
  tx.trySend(3);
  tx.trySend(4);
  assertEquals(await many, 2);
  assertEquals([...buffer], [3, 4]);
  tx.trySend(5);
  assertEquals(await next, 5);
  tx.dispose();
  rx.dispose();
});

Deno.test("SharedReceiver: a decode that closes the receiver while calls wait: the call keeps its message, the next ends the stream", async () => {
  const holder: { rx?: SharedReceiver<number> } = {};
  const codec: Codec<number> = {
    byteLength: 8,
    encode: (
      value,
      _bytes,
      view,
      offset,
    ) => (view.setFloat64(offset, value), 8),
    decode: (_bytes, view, offset) => {
      const value = view.getFloat64(offset);
      if (value === 1) holder.rx!.close();
      return value;
    },
  };
  const [tx, rx] = sharedChannel(4, { codec });
  holder.rx = rx;
  const first = rx.recv();
  const second = rx.recv();
  tx.trySend(1);
  assertEquals(await Promise.all([first, second]), [1, undefined]);
  await assertRejects(() => tx.send(2), SendError);
  tx.dispose();
  rx.dispose();
});

// -- recvMany in runs --

for (const holes of [false, true]) {
  Deno.test(`SharedReceiver.recvMany() reads runs ${holes ? "across holes (sends that failed in encode)" : "of codecs.number"} and block ends, in order`, async () => {
    // Without byteLengthOf, a value that fails in encode takes a slot and
    // leaves a hole the receiver skips.
    const holey: Codec<number> = {
      encode: (value, _bytes, view, offset) => {
        if (value < 0) throw new RangeError("negative");
        view.setFloat64(offset, value);
        return 8;
      },
      decode: (_bytes, view, offset) => view.getFloat64(offset),
    };
    const [tx, rx] = sharedChannel(100, {
      codec: holes ? holey : codecs.number,
    });
    const sent: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 70; i++) {
        const value = round * 1000 + i;
        if (holes && i % 13 === 5) {
          assertThrows(() => tx.trySend(-1), RangeError);
        }
        tx.trySend(value);
        sent.push(value);
      }
      const got: number[] = [];
      while (got.length < 70) {
        const count = await rx.recvMany(got, 17);
        assert(count > 0 && count <= 17);
      }
      assertEquals(got, sent.splice(0, 70));
      assertEquals(rx.capacity(), 100);
    }
    tx.dispose();
    rx.dispose();
  });
}

Deno.test("SharedReceiver.recvMany(): a push that throws partway keeps what it took; the refused message stays first", async () => {
  const [tx, rx] = sharedChannel(8, { codec: codecs.number });
  for (let i = 0; i < 5; i++) tx.trySend(i);
  const buffer: number[] = [];
  let pushes = 0;
  buffer.push = function (...items: number[]) {
    if (++pushes === 3) throw new Error("full");
    return Array.prototype.push.apply(this, items);
  };
  assertEquals(await rx.recvMany(buffer, 8), 2);
  assertEquals([...buffer], [0, 1]);
  assertEquals(rx.tryRecv(), 2);
  const frozen = Object.freeze([] as number[]);
  await assertRejects(() => rx.recvMany(frozen as number[], 8), TypeError);
  assertEquals(await rx.recv(), 3);
  tx.dispose();
  rx.dispose();
});

Deno.test("SharedReceiver.recvMany(): a codec that fails partway returns what it read; the failing message is skipped by the next call", async () => {
  const codec: Codec<number> = {
    byteLength: 8,
    encode: (
      value,
      _bytes,
      view,
      offset,
    ) => (view.setFloat64(offset, value), 8),
    decode: (_bytes, view, offset) => {
      const value = view.getFloat64(offset);
      if (value === 2) throw new RangeError("two");
      return value;
    },
  };
  const [tx, rx] = sharedChannel(8, { codec });
  for (let i = 0; i < 5; i++) tx.trySend(i);
  const buffer: number[] = [];
  assertEquals(await rx.recvMany(buffer, 8), 2);
  await assertRejects(() => rx.recvMany(buffer, 8), RangeError, "two");
  assertEquals(await rx.recvMany(buffer, 8), 2);
  assertEquals(buffer, [0, 1, 3, 4]);
  assertEquals(rx.capacity(), 8);
  tx.dispose();
  rx.dispose();
});

// -- blockingSendMany --

Deno.test("SharedSender.blockingSendMany() sends a batch in order in runs; a timeout or a close names the first value not sent", () => {
  const [tx, rx] = sharedChannel(40, { codec: codecs.number });
  const values = Array.from({ length: 30 }, (_, i) => i);
  tx.blockingSendMany(values);
  tx.blockingSendMany([]);
  const got: number[] = [];
  assertEquals(rx.blockingRecvMany(got, 100), 30);
  assertEquals(got, values);
  // 40 slots: 40 go, the 41st times out.
  const more = Array.from({ length: 50 }, (_, i) => 100 + i);
  const error = assertThrows(
    () => tx.blockingSendMany(more, { timeout: 1 }),
    SendTimeoutError,
  );
  assertEquals(error.value, 140);
  assertEquals(rx.len(), 40);
  rx.close();
  const closed = assertThrows(() => tx.blockingSendMany([7]), SendError);
  assertEquals(closed.value, 7);
  got.length = 0;
  assertEquals(rx.blockingRecvMany(got, 100), 40);
  assertEquals(got, more.slice(0, 40));
  tx.dispose();
  rx.dispose();
});

Deno.test("SharedSender.blockingSendMany() checks every value before taking room; a codec failing partway sends the values before it", () => {
  const [tx, rx] = sharedChannel(8, { codec: codecs.number });
  assertThrows(
    () => tx.blockingSendMany([1, "two" as unknown as number]),
    TypeError,
  );
  assertEquals(rx.len(), 0);
  assertThrows(
    () => tx.blockingSendMany({} as unknown as number[]),
    TypeError,
    "values must be an array",
  );
  tx.dispose();
  rx.dispose();

  // Without byteLengthOf, a value fails only in encode, after room is taken.
  const codec: Codec<number> = {
    encode: (value, _bytes, view, offset) => {
      if (value < 0) throw new RangeError("negative");
      view.setFloat64(offset, value);
      return 8;
    },
    decode: (_bytes, view, offset) => view.getFloat64(offset),
  };
  const [tx2, rx2] = sharedChannel(8, { codec });
  assertThrows(() => tx2.blockingSendMany([1, 2, -3, 4]), RangeError);
  const got: number[] = [];
  assertEquals(rx2.blockingRecvMany(got, 10, { timeout: 1 }), 2);
  assertEquals(got, [1, 2]);
  assertThrows(() => rx2.tryRecv(), TryRecvError, "empty");
  assertEquals(rx2.capacity(), 8);
  tx2.dispose();
  rx2.dispose();
});

Deno.test("SharedReceiver.share() after a wait: the new owner skips a hole once, and the room adds up", async () => {
  // (The old handle's copy is detached: a wake of its last sleep that
  // arrives after the move, from another thread's notify, reads nothing.)
  const codec: Codec<number> = {
    encode: (value, _bytes, view, offset) => {
      if (value < 0) throw new RangeError("negative");
      view.setFloat64(offset, value);
      return 8;
    },
    decode: (_bytes, view, offset) => view.getFloat64(offset),
  };
  const [tx, rx] = sharedChannel(4, { codec });
  // A sleep left pending: a receive that waited, then was aborted.
  const controller = new AbortController();
  const waiting = rx.recv({ signal: controller.signal });
  controller.abort(new Error("stop"));
  await assertRejects(() => waiting, Error, "stop");
  // A hole at the head (a send that failed in encode), then a message.
  assertThrows(() => tx.trySend(-1), RangeError);
  tx.trySend(5);
  const moved = SharedReceiver.from(rx.share(), { codec });
  for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
  assertEquals(moved.capacity(), 2);
  assertEquals(moved.tryRecv(), 5);
  assertEquals(moved.capacity(), 4);
  tx.dispose();
  moved.dispose();
});
