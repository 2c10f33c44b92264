// Copyright 2026 the @seed/mpsc authors. MIT license.
// Remote channels refuse bad input with clear errors and write nothing
// half-way; and a seeded random program gives the same outcomes on a remote
// channel as on the in-process one.

import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import {
  connectReceiver,
  connectSender,
  createRemoteChannel,
  pgStore,
} from "../remote.ts";
import { channel } from "../bounded.ts";
import { TryRecvError, TrySendError } from "../error.ts";
import { type Ctx, remoteTest } from "./remote/backend.ts";
import { connectionError, refusing } from "./remote/clients.ts";

async function counts(ctx: Ctx) {
  const [m] = await ctx.rows("SELECT count(*)::int AS n FROM $tmessages");
  const [s] = await ctx.rows(
    "SELECT coalesce(sum(seq), 0)::int AS n FROM $tsenders",
  );
  const [c] = await ctx.rows(
    "SELECT coalesce(sum(tail), 0)::int AS n FROM $tchannels",
  );
  return { messages: m!.n, seq: s!.n, tail: c!.n };
}

// -- Names, numbers, options --

Deno.test("pgStore() refuses a client without query and names outside the pattern", () => {
  const client = { query: () => Promise.resolve({ rows: [] }) };
  assertThrows(
    () => pgStore({} as never),
    TypeError,
    "client must have a query(text, params) method, received an object",
  );
  for (
    const schema of ["", "Public", "a-b", "1a", 'x"; DROP', "a".repeat(31)]
  ) {
    assertThrows(
      () => pgStore(client, { schema }),
      TypeError,
      "Cannot create store: options.schema must be",
    );
  }
  assertThrows(
    () => pgStore(client, { prefix: "mpsc." }),
    TypeError,
    "options.prefix",
  );
  assertThrows(
    () => pgStore(client, { leaseMs: 10 }),
    RangeError,
    "options.leaseMs must be an integer from 100 to 3600000, received 10",
  );
  assertThrows(
    () => pgStore(client, { pollMs: 0.5 }),
    RangeError,
    "options.pollMs",
  );
  assertThrows(
    () => pgStore(client, { listen: "yes" as never }),
    TypeError,
    "options.listen must be a boolean",
  );
});

remoteTest(
  "createRemoteChannel() refuses names and capacities out of range, writing nothing",
  async (ctx) => {
    const store = ctx.store();
    for (const name of ["", "a".repeat(201), "bad\u0000name", "tab\tname", 7]) {
      await assertRejects(
        () => createRemoteChannel(store, name as string, { capacity: 1 }),
        TypeError,
        "Cannot create channel: name must be",
      );
    }
    for (const capacity of [0, -1, 1.5, NaN, Infinity, 2 ** 53]) {
      await assertRejects(
        () => createRemoteChannel(store, "c", { capacity }),
        RangeError,
        "options.capacity must be an integer from 1 to 9007199254740991",
      );
    }
    await assertRejects(
      () => createRemoteChannel(store, "c", { capacity: "3" as never }),
      TypeError,
      "options.capacity must be a number, received a string",
    );
    await assertRejects(
      () => createRemoteChannel(store, "c", undefined as never),
      TypeError,
      "options must be an object",
    );
    await assertRejects(
      () =>
        createRemoteChannel(store, "c", { capacity: 1, maxMessageBytes: 0 }),
      RangeError,
      "options.maxMessageBytes",
    );
    await assertRejects(
      () => createRemoteChannel({} as never, "c", { capacity: 1 }),
      TypeError,
      "store must be a PgStore",
    );
    await createRemoteChannel(store, "c", { capacity: 2 });
    await assertRejects(
      () => createRemoteChannel(store, "c", { capacity: 3 }),
      Error,
      'channel "c" exists with other settings (capacity 2',
    );
    assertEquals(
      (await ctx.rows("SELECT name FROM $tchannels")).map((r) => r.name),
      ["c"],
    );
  },
);

remoteTest(
  "connectSender() and connectReceiver() check their arguments and the channel",
  async (ctx) => {
    const store = ctx.store();
    await assertRejects(
      () => connectSender(store, "c", { id: "" }),
      TypeError,
      "options.id must be 1 to 200 characters",
    );
    await assertRejects(
      () => connectSender(store, "c", undefined as never),
      TypeError,
      "options must be an object with an id",
    );
    await assertRejects(
      () => connectSender(store, "c", { id: "a", codec: {} as never }),
      TypeError,
      "options.codec must have encode and decode methods",
    );
    await assertRejects(
      () => connectReceiver(store, "c", { prefetch: 0 }),
      RangeError,
      "options.prefetch must be an integer from 1 to 10000, received 0",
    );
    await assertRejects(
      () => connectSender(store, "nope", { id: "a" }),
      Error,
      'channel "nope" does not exist',
    );
    await assertRejects(
      () => connectReceiver(store, "nope"),
      Error,
      'channel "nope" does not exist',
    );
    await createRemoteChannel(store, "c", { capacity: 2 });
    await using rx = await connectReceiver<number>(store, "c");
    await assertRejects(
      () => rx.recvMany("x" as never, 1),
      TypeError,
      "buffer must be an array",
    );
    await assertRejects(
      () => rx.recvMany([], -1),
      RangeError,
      "limit must be an integer from 0 to 10000, received -1",
    );
    await assertRejects(
      () => rx.recv({ signal: {} as never }),
      TypeError,
      "options.signal must be an AbortSignal",
    );
  },
);

// -- Codecs and sizes --

remoteTest(
  "A codec that throws, or a message too large, refuses the whole batch and writes nothing",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 8, maxMessageBytes: 16 });
    const codec = {
      encode(value: string) {
        if (value === "boom") throw new Error("cannot encode");
        return value;
      },
      decode: (text: string) => text,
    };
    await using tx = await connectSender<string>(store, "c", {
      id: "a",
      codec,
    });
    const thrown = await assertRejects(
      () => tx.sendMany(["ok", "boom"]),
      TypeError,
      "Cannot send values: codec.encode threw",
    );
    assertEquals((thrown.cause as Error).message, "cannot encode");
    await assertRejects(
      () => tx.sendMany(["ok", "é".repeat(9)]),
      RangeError,
      "at most maxMessageBytes (16) bytes, received 18",
    );
    await assertRejects(
      () => tx.send(12 as never),
      TypeError,
      "codec.encode must return a string, received 12",
    );
    assertEquals(await counts(ctx), { messages: 0, seq: 0, tail: 0 });
    await tx.send("fits");
    assertEquals(await counts(ctx), { messages: 1, seq: 1, tail: 1 });
  },
);

remoteTest(
  "The database refuses a message too large for the channel even from a client that skips the check",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 8, maxMessageBytes: 4 });
    await using _tx = await connectSender<string>(store, "c", { id: "a" });
    // The same statement the sender runs, with a body over the limit.
    const [row] = await ctx.client.query(
      `SELECT "${ctx.schema}"."mpsc_send"($1, $2, $3, $4, $5::text[], $6, $7) AS state`,
      ["c", "a", 1, 1, ["12345"], 1000, false],
    ).then((r) => r.rows);
    assertEquals(row!.state, "too_large");
    assertEquals(await counts(ctx), { messages: 0, seq: 0, tail: 0 });
  },
);

remoteTest(
  "A codec whose decode throws rejects that receive; the next message comes",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 8 });
    const codec = {
      encode: (value: string) => value,
      decode(text: string) {
        if (text === "bad") throw new Error("cannot decode");
        return text;
      },
    };
    await using rx = await connectReceiver<string>(store, "c", { codec });
    await using tx = await connectSender<string>(store, "c", {
      id: "a",
      codec,
    });
    await tx.sendMany(["bad", "good"]);
    await assertRejects(
      () => rx.recv(),
      TypeError,
      "Cannot receive value: codec.decode threw",
    );
    assertEquals(await rx.recv(), "good");
  },
);

remoteTest(
  "RemoteReceiver.recvMany(): a message that fails to decode ends the batch; a refusing buffer takes nothing",
  async (ctx) => {
    const store = ctx.store();
    await createRemoteChannel(store, "c", { capacity: 8 });
    const codec = {
      encode: (value: string) => value,
      decode(text: string) {
        if (text === "bad") throw new Error("cannot decode");
        return text;
      },
    };
    await using rx = await connectReceiver<string>(store, "c", { codec });
    await using tx = await connectSender<string>(store, "c", {
      id: "a",
      codec,
    });
    await tx.sendMany(["a", "b", "bad", "c"]);
    const frozen = Object.freeze([]) as unknown as string[];
    await assertRejects(
      () => rx.recvMany(frozen, 8),
      TypeError,
      "buffer must be an array that can grow; the messages stay queued",
    );
    const got: string[] = [];
    assertEquals(await rx.recvMany(got, 8), 2);
    await assertRejects(
      () => rx.recvMany(got, 8),
      TypeError,
      "codec.decode threw",
    );
    assertEquals(await rx.recvMany(got, 8), 1);
    assertEquals(got, ["a", "b", "c"]);
  },
);

// -- A client that fails --

Deno.test("A client whose query rejects: a clear error, the cause kept", async () => {
  const store = pgStore(
    refusing(new Error("permission denied for schema public")),
    { retryMs: 0 },
  );
  const error = await assertRejects(
    () => createRemoteChannel(store, "c", { capacity: 1 }),
    Error,
    "Cannot create channel: the database refused the statement",
  );
  assertEquals(
    (error.cause as Error).message,
    "permission denied for schema public",
  );
  const offline = pgStore(refusing(connectionError()), { retryMs: 0 });
  await assertRejects(
    () => connectSender(offline, "c", { id: "a" }),
    Error,
    "Cannot connect sender: the database did not answer, so the outcome is unknown",
  );
});

remoteTest(
  "A query failing mid-stream leaves the tables whole: nothing half-written",
  async (ctx) => {
    let failing = false;
    const flaky = {
      query(text: string, params?: unknown[]) {
        if (failing) return Promise.reject(new Error("statement refused"));
        return ctx.client.query(text, params);
      },
    };
    const store = pgStore(flaky, { schema: ctx.schema, retryMs: 0 });
    await createRemoteChannel(store, "c", { capacity: 8 });
    await using tx = await connectSender<number>(store, "c", { id: "a" });
    await tx.sendMany([1, 2]);
    failing = true;
    await assertRejects(
      () => tx.sendMany([3, 4]),
      Error,
      "the database refused the statement",
    );
    failing = false;
    assertEquals(await counts(ctx), { messages: 2, seq: 2, tail: 2 });
    await tx.sendMany([3, 4]);
    assertEquals(await counts(ctx), { messages: 4, seq: 4, tail: 4 });
    await tx.dispose();
    await store.close();
  },
);

// -- The same program on both channels --

/** A tiny seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

remoteTest(
  "A random program of trySend, tryRecv, close and sender disposal gives the in-process outcomes",
  async (ctx) => {
    const store = ctx.store();
    for (const seed of [1, 2, 3]) {
      const next = random(seed);
      const capacity = 1 + Math.floor(next() * 4);
      const name = `model-${seed}`;
      await createRemoteChannel(store, name, { capacity });
      const [local, localRx] = channel<number>(capacity);
      const localTx = [local.clone(), local.clone(), local.clone()];
      const remoteTx = await Promise.all(
        [0, 1, 2].map((i) =>
          connectSender<number>(store, name, { id: `s${i}` })
        ),
      );
      const rx = await connectReceiver<number>(store, name);
      const live = [true, true, true];
      const outcome = (f: () => unknown) => {
        try {
          return String(f());
        } catch (e) {
          return e instanceof TrySendError || e instanceof TryRecvError
            ? e.kind
            : String(e);
        }
      };
      const remoteOutcome = async (f: () => Promise<unknown>) => {
        try {
          return String(await f());
        } catch (e) {
          return e instanceof TrySendError || e instanceof TryRecvError
            ? e.kind
            : String(e);
        }
      };
      // A remote message counts until the receiver asks for the next: the
      // in-process model holds a permit for it until its next receive.
      let held: { dispose(): void } | undefined;
      const localRecv = () => {
        held?.dispose();
        held = undefined;
        const got = outcome(() => localRx.tryRecv());
        if (got !== "empty" && got !== "disconnected") {
          try {
            held = local.tryReserve();
          } catch {
            // Closed: sends fail anyway.
          }
        }
        return got;
      };
      let value = 0;
      for (let step = 0; step < 40; step++) {
        const r = next();
        const i = Math.floor(next() * 3);
        if (r < 0.5 && live[i]) {
          value++;
          assertEquals(
            await remoteOutcome(() => remoteTx[i]!.trySend(value)),
            outcome(() => localTx[i]!.trySend(value)),
            `seed ${seed} step ${step}: trySend`,
          );
        } else if (r < 0.9) {
          assertEquals(
            await remoteOutcome(() => rx.tryRecv()),
            localRecv(),
            `seed ${seed} step ${step}: tryRecv`,
          );
        } else if (r < 0.97 && live[i]) {
          live[i] = false;
          localTx[i]!.dispose();
          await remoteTx[i]!.dispose();
        } else {
          localRx.close();
          await rx.close();
        }
      }
      held?.dispose();
      local.dispose();
      for (let i = 0; i < 3; i++) {
        if (live[i]) {
          localTx[i]!.dispose();
          await remoteTx[i]!.dispose();
        }
      }
      const rest: number[] = [];
      for await (const m of rx) rest.push(m);
      const localRest: number[] = [];
      for (;;) {
        const m = outcome(() => localRx.tryRecv());
        if (m === "disconnected") break;
        localRest.push(Number(m));
      }
      assertEquals(rest, localRest, `seed ${seed}: the rest`);
      await rx.dispose();
      localRx.dispose();
    }
  },
);
