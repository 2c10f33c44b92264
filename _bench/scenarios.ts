// Copyright 2026 the @seed/mpsc authors. MIT license.
// The benchmark scenarios, shared by `deno bench` and the report script.
//
// Each scenario lists its contenders: @seed/mpsc (with variants), the peers
// and the floors. Groups carry the names of Tokio's benchmark groups
// (`benches/sync_mpsc.rs`): `uncontented` (one producer), `contention`
// (many producers), `send` (the ways to send).

import { channel, unboundedChannel } from "../mod.ts";
import { setBudgetEnabled } from "../budget.ts";
import {
  asyncChannel,
  type Contender,
  effectQueue,
  effectQueueBatch,
  expectedSum,
  FLOORS,
  itPushable,
  minimalChannel,
  PEERS,
  promiseFloor,
  repeater,
  type Run,
  shiftQueue,
  syncFloor,
  webStreams,
} from "./peers.ts";

/** One contender's part in a scenario. */
export interface Entry {
  /** Who runs it. */
  readonly contender: Contender;
  /** The name shown in the tables (the contender's name, or a variant). */
  readonly name: string;
  /** Builds the inputs (untimed) and returns the timed part. */
  readonly prepare: () => Run;
  /** How many messages its timed part moves, when not the scenario's. */
  readonly messages?: number;
  /** The sum its runs must produce, when not the scenario's. */
  readonly expected?: number;
}

/** One table of the report, one `Deno.bench` group. */
export interface Scenario {
  /** The group name: Tokio's group, a slash, what is measured. */
  readonly id: string;
  /** One sentence on what the timed part does. */
  readonly description: string;
  /** How many messages the timed part moves. */
  readonly messages: number;
  /** The sum every run must produce. */
  readonly expected: number;
  /** The contenders, @seed/mpsc first. */
  readonly entries: readonly Entry[];
}

/** The main @seed/mpsc row's name in every table. */
export const MODULE = "@seed/mpsc";

/** The suffix of the rows that run with the cooperative budget off. */
export const BUDGET_OFF = "(budget off)";

/** The sync floor's name in the drain table, where it only reads. */
export const SYNC_READ = "floor: sync array read";

// -- @seed/mpsc --

async function sendEach(
  tx: { send(value: number): Promise<void> },
  start: number,
  end: number,
  step: number,
): Promise<void> {
  for (let i = start; i < end; i += step) await tx.send(i);
}

async function recvAll(
  rx: { recv(): Promise<number | undefined> },
): Promise<number> {
  let sum = 0;
  for (;;) {
    const value = await rx.recv();
    if (value === undefined) return sum;
    sum += value;
  }
}

/** @seed/mpsc through `send()` and `recv()`. */
export const seedMpsc: Contender = {
  name: MODULE,
  kind: "module",
  spsc(messages, capacity) {
    if (capacity === undefined) {
      return async () => {
        const [tx, rx] = unboundedChannel<number>();
        const produced = (async () => {
          for (let i = 0; i < messages; i++) {
            tx.send(i);
            await undefined;
          }
          tx.dispose();
        })();
        const sum = await recvAll(rx);
        await produced;
        return sum;
      };
    }
    return async () => {
      const [tx, rx] = channel<number>(capacity);
      const produced = sendEach(tx, 0, messages, 1).then(() => tx.dispose());
      const sum = await recvAll(rx);
      await produced;
      return sum;
    };
  },
  mpsc(producers, messages, capacity) {
    return async () => {
      const [tx, rx] = channel<number>(capacity);
      const tasks: Promise<void>[] = [];
      for (let p = 0; p < producers; p++) {
        const sender = tx.clone();
        tasks.push(
          sendEach(sender, p, messages, producers).then(() => sender.dispose()),
        );
      }
      tx.dispose();
      const sum = await recvAll(rx);
      await Promise.all(tasks);
      return sum;
    };
  },
  iterate(messages) {
    return async () => {
      const [tx, rx] = unboundedChannel<number>();
      const produced = (async () => {
        for (let i = 0; i < messages; i++) {
          tx.send(i);
          await undefined;
        }
        tx.dispose();
      })();
      let sum = 0;
      for await (const value of rx) sum += value;
      await produced;
      return sum;
    };
  },
  drain(messages) {
    const [tx, rx] = unboundedChannel<number>();
    for (let i = 0; i < messages; i++) tx.send(i);
    tx.dispose();
    return () => recvAll(rx);
  },
  steady(backlog, messages) {
    const [tx, rx] = unboundedChannel<number>();
    for (let i = 0; i < backlog; i++) tx.send(0);
    return async () => {
      let sum = 0;
      for (let i = 0; i < messages; i++) {
        tx.send(i);
        sum += (await rx.recv())!;
      }
      return sum;
    };
  },
};

/** Drain with `recvMany(buffer, 1024)`. */
function drainRecvMany(messages: number): Run {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < messages; i++) tx.send(i);
  tx.dispose();
  return async () => {
    const buffer: number[] = [];
    let sum = 0;
    for (;;) {
      buffer.length = 0;
      const received = await rx.recvMany(buffer, 1024);
      if (received === 0) return sum;
      for (let i = 0; i < received; i++) sum += buffer[i]!;
    }
  };
}

/** Drain with a `tryRecv()` loop, ended by the "disconnected" error. */
function drainTryRecv(messages: number): Run {
  const [tx, rx] = unboundedChannel<number>();
  for (let i = 0; i < messages; i++) tx.send(i);
  tx.dispose();
  return () => {
    let sum = 0;
    try {
      for (;;) sum += rx.tryRecv();
    } catch {
      // Disconnected: every message was read.
    }
    return sum;
  };
}

/** Runs `run` with the cooperative budget off, and turns it back on. */
function budgetOff(prepare: () => Run): () => Run {
  return () => {
    const run = prepare();
    return async () => {
      setBudgetEnabled(false);
      try {
        return await run();
      } finally {
        setBudgetEnabled(true);
      }
    };
  };
}

/** Bounded SPSC through `reserve()` and `Permit.send()`. */
function reserveEach(messages: number, capacity: number): Run {
  return async () => {
    const [tx, rx] = channel<number>(capacity);
    const produced = (async () => {
      for (let i = 0; i < messages; i++) (await tx.reserve()).send(i);
      tx.dispose();
    })();
    const sum = await recvAll(rx);
    await produced;
    return sum;
  };
}

/** Bounded SPSC through `reserveMany(batch)`, a permit per message. */
function reserveManyEach(
  messages: number,
  capacity: number,
  batch: number,
): Run {
  return async () => {
    const [tx, rx] = channel<number>(capacity);
    const produced = (async () => {
      let i = 0;
      while (i < messages) {
        const permits = await tx.reserveMany(Math.min(batch, messages - i));
        for (const permit of permits) permit.send(i++);
      }
      tx.dispose();
    })();
    const sum = await recvAll(rx);
    await produced;
    return sum;
  };
}

// -- The scenarios --

function entry(contender: Contender, prepare: (() => Run) | undefined) {
  return prepare === undefined
    ? []
    : [{ contender, name: contender.name, prepare }];
}

/**
 * Peers whose queue is an array read with `shift()` slow down quadratically
 * once their queue is long: in scenarios that let the queue grow, they move
 * this many messages (their rate is then flattered, not hurt).
 */
export const QUADRATIC_CAP = 20_000;

/**
 * Peers that move well under 1 M msg/s move this many messages per run, so
 * the report stays within minutes; their rate is already steady by then.
 */
export const SLOW_CAP = 250_000;

/** Runs `messages` messages, or `cap` if fewer, naming the row after it. */
function capped(
  contender: Contender,
  messages: number,
  cap: number,
  prepare: (messages: number) => Run | undefined,
): Entry[] {
  if (prepare(0) === undefined) return [];
  if (messages <= cap) {
    return [{
      contender,
      name: contender.name,
      prepare: () => prepare(messages)!,
    }];
  }
  return [{
    contender,
    name: `${contender.name} (${cap.toLocaleString("en-US")} messages)`,
    prepare: () => prepare(cap)!,
    messages: cap,
    expected: expectedSum(cap),
  }];
}

/** How many messages a peer moves in a scenario that moves `messages`. */
function capOf(contender: Contender): number {
  return contender === effectQueue || contender === repeater
    ? SLOW_CAP
    : Infinity;
}

function shiftEntry(backlog: number, messages: number): Entry {
  return {
    contender: shiftQueue,
    name: shiftQueue.name,
    prepare: () => shiftQueue.steady!(backlog, messages),
    messages,
    expected: expectedSum(Math.max(0, messages - backlog)),
  };
}

function variant(name: string, prepare: () => Run): Entry {
  return { contender: seedMpsc, name: `${MODULE} ${name}`, prepare };
}

function spscEntries(messages: number, capacity?: number): Entry[] {
  return [
    ...entry(seedMpsc, () => seedMpsc.spsc!(messages, capacity)!),
    variant(
      BUDGET_OFF,
      budgetOff(() => seedMpsc.spsc!(messages, capacity)!),
    ),
    ...[...PEERS, ...FLOORS].flatMap((c) =>
      c.spsc === undefined
        ? []
        : capped(c, messages, capOf(c), (n) => c.spsc!(n, capacity))
    ),
  ];
}

/**
 * Every scenario, each moving `messages` messages (1,000,000 in the report).
 *
 * @param messages How many messages each run moves.
 */
export function scenarios(messages = 1_000_000): Scenario[] {
  const sum = expectedSum(messages);
  const list: Scenario[] = [
    {
      id: "uncontented/spsc_unbounded",
      description:
        "One producer sends each message and awaits once; one consumer awaits `recv()` per message.",
      messages,
      expected: sum,
      entries: spscEntries(messages),
    },
  ];
  for (const capacity of [1, 64, 1024]) {
    list.push({
      id: `uncontented/spsc_bounded_${capacity}`,
      description:
        `One producer awaits \`send()\` per message into a channel of capacity ${capacity}; one consumer awaits \`recv()\` per message.`,
      messages,
      expected: sum,
      entries: spscEntries(messages, capacity),
    });
  }
  list.push({
    id: "contention/mpsc_bounded_64_16_producers",
    description:
      "16 producers await `send()` per message into a channel of capacity 64; one consumer awaits `recv()` per message.",
    messages,
    expected: sum,
    entries: [
      ...entry(seedMpsc, () => seedMpsc.mpsc!(16, messages, 64)),
      variant(BUDGET_OFF, budgetOff(() => seedMpsc.mpsc!(16, messages, 64))),
      ...[webStreams, effectQueue, repeater, asyncChannel, ...FLOORS].flatMap(
        (c) => capped(c, messages, capOf(c), (n) => c.mpsc!(16, n, 64)),
      ),
    ],
  });
  list.push({
    id: "uncontented/for_await_unbounded",
    description:
      "As spsc_unbounded, the consumer reading with `for await` over the receiver (@repeaterjs/repeater: bounded, FixedBuffer(1024)).",
    messages,
    expected: sum,
    entries: [
      ...entry(seedMpsc, () => seedMpsc.iterate!(messages)),
      variant(BUDGET_OFF, budgetOff(() => seedMpsc.iterate!(messages))),
      ...[webStreams, repeater, itPushable].flatMap((c) =>
        capped(c, messages, capOf(c), (n) => c.iterate!(n))
      ),
      ...capped(
        asyncChannel,
        messages,
        QUADRATIC_CAP,
        (n) => asyncChannel.iterate!(n),
      ),
      ...FLOORS.flatMap((c) => entry(c, () => c.iterate!(messages))),
    ],
  });
  list.push({
    id: "uncontented/burst_unbounded",
    description:
      "Drain an unbounded channel holding every message (filled untimed, senders gone).",
    messages,
    expected: sum,
    entries: [
      ...entry(seedMpsc, () => seedMpsc.drain!(messages)),
      variant("recvMany(1024)", () => drainRecvMany(messages)),
      variant("tryRecv()", () => drainTryRecv(messages)),
      variant(BUDGET_OFF, budgetOff(() => seedMpsc.drain!(messages))),
      variant(
        `recvMany(1024), ${BUDGET_OFF}`,
        budgetOff(() => drainRecvMany(messages)),
      ),
      ...[webStreams, effectQueue, effectQueueBatch, itPushable].flatMap((c) =>
        entry(c, () => c.drain!(messages))
      ),
      ...capped(
        asyncChannel,
        messages,
        QUADRATIC_CAP,
        (n) => asyncChannel.drain!(n),
      ),
      ...[minimalChannel, promiseFloor].flatMap((c) =>
        entry(c, () => c.drain!(messages))
      ),
      {
        contender: syncFloor,
        name: SYNC_READ,
        prepare: () => syncFloor.drain!(messages),
      },
    ],
  });
  list.push({
    id: "send/permits_bounded_64",
    description:
      "As spsc_bounded_64, the producer sending through `reserve()` or `reserveMany(64)` permits.",
    messages,
    expected: sum,
    entries: [
      ...entry(seedMpsc, () => seedMpsc.spsc!(messages, 64)!),
      variant("reserve() + permit.send()", () => reserveEach(messages, 64)),
      variant(
        "reserveMany(64) + permit.send()",
        () => reserveManyEach(messages, 64, 64),
      ),
      ...FLOORS.flatMap((c) => entry(c, () => c.spsc!(messages, 64)!)),
    ],
  });
  for (const backlog of [10, messages]) {
    list.push({
      id: `uncontented/steady_backlog_${backlog}`,
      description:
        `An unbounded channel holding ${backlog} messages: send one, then await \`recv()\` one, so its length stays ${backlog}.`,
      messages,
      expected: expectedSum(Math.max(0, messages - backlog)),
      entries: [
        ...[seedMpsc, minimalChannel, syncFloor].flatMap((c) =>
          entry(c, () => c.steady!(backlog, messages))
        ),
        // Each shift() moves the whole backlog once it is long, so this one
        // moves fewer messages to finish in time; its rate is comparable.
        shiftEntry(backlog, backlog > 16_384 ? 2_000 : messages),
      ],
    });
  }
  return list;
}
