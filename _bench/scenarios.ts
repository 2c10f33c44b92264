// Copyright 2026 the @seed/mpsc authors. MIT license.
// The benchmark scenarios, shared by `deno bench` and the report script.
//
// Each scenario lists its contenders: @seed/mpsc (with variants), the peers
// and the floors. Groups carry the names of Tokio's benchmark groups
// (`benches/sync_mpsc.rs`): `uncontented` (one producer), `contention`
// (many producers), `send` (the ways to send); a last part names the order
// the producer and the consumer start in.

import {
  channel,
  type Receiver,
  type Sender,
  unboundedChannel,
  type UnboundedReceiver,
  type UnboundedSender,
} from "../mod.ts";
import { setBudgetEnabled } from "../budget.ts";
import {
  type Adapter,
  type Contender,
  expectedSum,
  fromAdapter,
  inOrder,
  type Order,
  ORDERS,
  type Run,
  TURN,
} from "./harness.ts";
import {
  asyncChannel as adaptedAsyncChannel,
  effectQueue,
  effectQueueBatch,
  itPushable as adaptedItPushable,
  PEERS as ADAPTED_PEERS,
  repeater,
  stdChannel as adaptedStd,
  webStreams,
} from "./peers.ts";
import {
  arrayQueueFloor,
  promiseFloor,
  ringFloor as adaptedRing,
  shiftQueue,
  syncFloor,
} from "./floors.ts";
import {
  asyncChannelLoops,
  itPushableLoops,
  type Loops,
  ringLoops,
  seedLoops,
  stdLoops,
} from "./loops.ts";

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
  /** Whether it runs @seed/mpsc with the cooperative budget off. */
  readonly budgetOff?: boolean;
}

/** One table of the report, one `Deno.bench` group. */
export interface Scenario {
  /** The group name: Tokio's group, a slash, what is measured, the order. */
  readonly id: string;
  /** The group name without the order: scenarios that differ only by it. */
  readonly base: string;
  /** The order producer and consumer start in, when it matters. */
  readonly order?: Order;
  /**
   * Whether its runs are loops of messages passed between a producer and a
   * consumer, which the report times a 1 ms interval against.
   */
  readonly loop: boolean;
  /** One sentence on what the timed part does. */
  readonly description: string;
  /** How many messages the timed part moves. */
  readonly messages: number;
  /** The sum every run must produce. */
  readonly expected: number;
  /** The contenders, @seed/mpsc first. */
  readonly entries: readonly Entry[];
  /**
   * Whether its rows run the plain loops users write (`loops.ts`), which
   * the report gathers in one table.
   */
  readonly plain?: boolean;
}

/** The main @seed/mpsc row's name in every table. */
export const MODULE = "@seed/mpsc";

/** The suffix of the rows that run with the cooperative budget off. */
export const BUDGET_OFF = "(budget off)";

/** The name of @seed/mpsc's `recvMany(buffer, 1024)` drain. */
export const RECV_MANY = `${MODULE} recvMany(1024)`;

// -- @seed/mpsc --

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

async function iterateAll(rx: AsyncIterable<number>): Promise<number> {
  let sum = 0;
  for await (const value of rx) sum += value;
  return sum;
}

const boundedAdapter: Adapter<[Sender<number>, Receiver<number>]> = {
  open(capacity) {
    return capacity === undefined ? undefined : channel<number>(capacity);
  },
  async produce([tx], start, end, step) {
    for (let i = start; i < end; i += step) await tx.send(i);
  },
  close([tx]) {
    tx.dispose();
  },
  consume([, rx]) {
    return recvAll(rx);
  },
  async pingPong(messages) {
    const [pingTx, pingRx] = channel<number>(1);
    const [pongTx, pongRx] = channel<number>(1);
    const echoed = (async () => {
      for (let i = 0; i < messages; i++) {
        await pongTx.send((await pingRx.recv())!);
      }
    })();
    let sum = 0;
    for (let i = 0; i < messages; i++) {
      await pingTx.send(i);
      sum += (await pongRx.recv())!;
    }
    await echoed;
    return sum;
  },
};

const unboundedAdapter: Adapter<
  [UnboundedSender<number>, UnboundedReceiver<number>]
> = {
  open(capacity) {
    return capacity === undefined ? unboundedChannel<number>() : undefined;
  },
  async produce([tx], start, end, step) {
    // `send()` never waits here; awaiting TURN gives the consumer its turn,
    // as the other contenders' awaited sends do.
    for (let i = start; i < end; i += step) {
      tx.send(i);
      await TURN;
    }
  },
  close([tx]) {
    tx.dispose();
  },
  consume([, rx]) {
    return recvAll(rx);
  },
  iterate([, rx]) {
    return iterateAll(rx);
  },
  fill([tx], messages) {
    for (let i = 0; i < messages; i++) tx.send(i);
  },
};

const bounded = fromAdapter(MODULE, "module", boundedAdapter);
const unbounded = fromAdapter(MODULE, "module", unboundedAdapter);

/**
 * A contender whose SPSC, MPSC and burst runs are its plain loops
 * (`loops.ts`); its other scenarios keep its adapter's loops.
 */
function withLoops(contender: Contender, loops: Loops): Contender {
  return {
    ...contender,
    spsc: loops.spsc,
    ...(loops.mpsc === undefined ? {} : { mpsc: loops.mpsc }),
    ...(loops.burst === undefined ? {} : { burst: loops.burst }),
  };
}

/** `@std/async`'s `Channel`, its SPSC, MPSC and burst the plain loops. */
export const stdChannel: Contender = withLoops(adaptedStd, stdLoops);
/** async-channel, its SPSC, MPSC and burst the plain loops. */
export const asyncChannel: Contender = withLoops(
  adaptedAsyncChannel,
  asyncChannelLoops,
);
/** it-pushable, its SPSC and burst the plain loops. */
export const itPushable: Contender = withLoops(
  adaptedItPushable,
  itPushableLoops,
);
/** The ring floor, its SPSC, MPSC and burst the plain loops. */
export const ringFloor: Contender = withLoops(adaptedRing, ringLoops);

/** Every peer, in table order; those of `loops.ts` run its loops. */
const PEERS: readonly Contender[] = ADAPTED_PEERS.map((peer) =>
  peer === adaptedStd
    ? stdChannel
    : peer === adaptedAsyncChannel
    ? asyncChannel
    : peer === adaptedItPushable
    ? itPushable
    : peer
);

/**
 * @seed/mpsc through `send()` and `recv()`: the plain loops (`loops.ts`)
 * for SPSC, MPSC (a clone per producer) and burst, the adapter's for the
 * rest.
 */
export const seedMpsc: Contender = {
  name: MODULE,
  kind: "module",
  spsc: seedLoops.spsc,
  mpsc: seedLoops.mpsc!,
  burst: seedLoops.burst!,
  iterate: unbounded.iterate!,
  drain: unbounded.drain!,
  pingPong: bounded.pingPong!,
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

/**
 * Runs `run` with the cooperative budget off, and turns it back on.
 *
 * @param run The timed part.
 * @returns The same timed part, budget off.
 */
export function withBudgetOff(run: Run): Run {
  return async () => {
    setBudgetEnabled(false);
    try {
      return await run();
    } finally {
      setBudgetEnabled(true);
    }
  };
}

/** Bounded SPSC through `reserve()` and `Permit.send()`. */
function reserveEach(messages: number, capacity: number, order: Order): Run {
  return () => {
    const [tx, rx] = channel<number>(capacity);
    return inOrder(order, () => recvAll(rx), async () => {
      for (let i = 0; i < messages; i++) (await tx.reserve()).send(i);
      tx.dispose();
    });
  };
}

/** Bounded SPSC through `reserveMany(batch)`, a permit per message. */
function reserveManyEach(
  messages: number,
  capacity: number,
  batch: number,
  order: Order,
): Run {
  return () => {
    const [tx, rx] = channel<number>(capacity);
    return inOrder(order, () => recvAll(rx), async () => {
      let i = 0;
      while (i < messages) {
        const permits = await tx.reserveMany(Math.min(batch, messages - i));
        for (const permit of permits) permit.send(i++);
      }
      tx.dispose();
    });
  };
}

// -- Building the tables --

/**
 * Peers whose queue is an array read with `shift()` slow down quadratically
 * once their queue is long: in scenarios that let the queue grow, they move
 * this many messages (their rate is then flattered, not hurt).
 */
export const QUADRATIC_CAP = 20_000;

/**
 * The backlog of the deep steady-state scenario, whatever the messages per
 * run: the cost per message must not depend on the queue's length.
 */
export const DEEP_BACKLOG = 1_000_000;

/**
 * Peers that move about 1 M msg/s or less (effect, @repeaterjs/repeater,
 * Web Streams) move this many messages per run in the loop scenarios, so
 * the report stays within minutes; their rate is already steady by then.
 */
export const SLOW_CAP = 50_000;

/** How many messages a peer moves in a scenario that moves `messages`. */
function capOf(contender: Contender): number {
  return contender === effectQueue || contender === repeater ||
      contender === webStreams
    ? SLOW_CAP
    : Infinity;
}

/**
 * The entry of `contender`, moving `messages` messages or `cap` if fewer
 * (the row's name then says so); none if it cannot run the scenario.
 */
function entryOf(
  contender: Contender,
  messages: number,
  build: (messages: number) => Run | undefined,
  cap = capOf(contender),
): Entry[] {
  const n = Math.min(messages, cap);
  // Building a run does not start it, and a run of no messages buffers
  // nothing: probing with it is cheap.
  if (build(0) === undefined) return [];
  const prepare = () => build(n)!;
  if (n === messages) return [{ contender, name: contender.name, prepare }];
  return [{
    contender,
    name: `${contender.name} (${n.toLocaleString("en-US")} messages)`,
    prepare,
    messages: n,
    expected: expectedSum(n),
  }];
}

/** @seed/mpsc's row and its budget-off twin. */
function moduleEntries(
  messages: number,
  build: (messages: number) => Run | undefined,
): Entry[] {
  return [
    { contender: seedMpsc, name: MODULE, prepare: () => build(messages)! },
    {
      contender: seedMpsc,
      name: `${MODULE} ${BUDGET_OFF}`,
      prepare: () => withBudgetOff(build(messages)!),
      budgetOff: true,
    },
  ];
}

function variant(name: string, prepare: () => Run, budgetOff = false): Entry {
  return { contender: seedMpsc, name: `${MODULE} ${name}`, prepare, budgetOff };
}

/** The peers and floors of the loop scenarios, in table order. */
const OTHERS: readonly Contender[] = [
  ...PEERS,
  ringFloor,
  arrayQueueFloor,
  promiseFloor,
];

/** The part of a scenario id that names the order. */
function orderPart(order: Order): string {
  return order === "consumer-first" ? "consumer_first" : "producer_first";
}

/** The sentence that says how a scenario's run starts. */
function orderSentence(order: Order): string {
  return order === "consumer-first"
    ? "The consumer starts first and waits on the empty channel, so each send hands its message to a waiting receive."
    : "The producer starts first, so the consumer finds messages ready.";
}

/** Both orders of one loop scenario. */
function ordered(
  base: string,
  description: string,
  messages: number,
  build: (contender: Contender, messages: number, order: Order) =>
    | Run
    | undefined,
  capFor?: (contender: Contender) => number | undefined,
  plain = false,
): Scenario[] {
  return ORDERS.map((order) => ({
    ...(plain ? { plain } : {}),
    id: `${base}/${orderPart(order)}`,
    base,
    order,
    loop: true,
    description: `${description} ${orderSentence(order)}`,
    messages,
    expected: expectedSum(messages),
    entries: [
      ...moduleEntries(messages, (n) => build(seedMpsc, n, order)),
      ...OTHERS.flatMap((c) =>
        entryOf(c, messages, (n) => build(c, n, order), capFor?.(c))
      ),
    ],
  }));
}

/**
 * Every scenario, each moving `messages` messages (500,000 in the report).
 *
 * @param messages How many messages each run moves.
 */
export function scenarios(messages = 1_000_000): Scenario[] {
  const list: Scenario[] = [];
  list.push(...ordered(
    "uncontented/spsc_unbounded",
    "The plain loop (`_bench/loops.ts`): one producer runs `for (let i = 0; i < N; i++) await tx.send(i)` into an unbounded channel (@seed/mpsc's `send()` returns nothing here, and is awaited all the same), then disposes it; one consumer awaits `recv()` per message, checking their order.",
    messages,
    (c, n, order) => c.spsc?.(n, undefined, order),
    undefined,
    true,
  ));
  for (const capacity of [1, 64, 1024]) {
    list.push(...ordered(
      `uncontented/spsc_bounded_${capacity}`,
      `The plain loop (\`_bench/loops.ts\`): one producer awaits \`send()\` per message into a channel of capacity ${capacity}, then disposes it; one consumer awaits \`recv()\` per message, checking their order.`,
      messages,
      (c, n, order) => c.spsc?.(n, capacity, order),
      undefined,
      true,
    ));
  }
  list.push(...ordered(
    "contention/mpsc_bounded_64_16_producers",
    "The plain loop (`_bench/loops.ts`): 16 producers, each through its own `tx.clone()` (the original disposed once the clones exist; one shared object for libraries without clones), await `send()` per message into a channel of capacity 64, N / 16 numbers each, then dispose it; one consumer awaits `recv()` per message, checking each producer's order.",
    messages,
    (c, n, order) => c.mpsc?.(16, n, 64, order),
    undefined,
    true,
  ));
  list.push(...ordered(
    "uncontented/for_await_unbounded",
    "As spsc_unbounded, the consumer reading with `for await` (@repeaterjs/repeater: bounded, FixedBuffer(1024)).",
    messages,
    (c, n, order) => c.iterate?.(n, order),
    // async-channel's iterator queues its calls in an array read with
    // shift(): quadratic in either order.
    (c) => c === asyncChannel ? QUADRATIC_CAP : undefined,
  ));
  list.push({
    id: "uncontented/ping_pong_bounded_1",
    base: "uncontented/ping_pong_bounded_1",
    loop: true,
    description:
      "Round trips through two channels of capacity 1: one task sends a message and awaits the reply, the other receives each and sends it back (it-pushable: unbounded, which a ping-pong never fills). The rate counts round trips.",
    messages,
    expected: expectedSum(messages),
    entries: [
      ...moduleEntries(messages, (n) => seedMpsc.pingPong!(n)),
      ...[...PEERS, ringFloor, arrayQueueFloor].flatMap((c) =>
        entryOf(c, messages, (n) => c.pingPong?.(n))
      ),
    ],
  });
  list.push({
    id: "uncontented/burst_unbounded",
    base: "uncontented/burst_unbounded",
    loop: false,
    description:
      "Drain an unbounded channel holding every message (filled untimed, senders gone).",
    messages,
    expected: expectedSum(messages),
    entries: [
      ...moduleEntries(messages, (n) => seedMpsc.drain!(n)),
      variant("recvMany(1024)", () => drainRecvMany(messages)),
      variant(
        `recvMany(1024) ${BUDGET_OFF}`,
        () => withBudgetOff(drainRecvMany(messages)),
        true,
      ),
      variant("tryRecv()", () => drainTryRecv(messages)),
      ...[stdChannel, webStreams, itPushable, effectQueue, effectQueueBatch]
        .flatMap((c) => entryOf(c, messages, (n) => c.drain?.(n), Infinity)),
      ...entryOf(
        asyncChannel,
        messages,
        (n) => asyncChannel.drain!(n),
        QUADRATIC_CAP,
      ),
      ...[ringFloor, arrayQueueFloor, promiseFloor, syncFloor].flatMap((c) =>
        entryOf(c, messages, (n) => c.drain?.(n))
      ),
    ],
  });
  list.push({
    id: "uncontented/burst_fill_then_drain",
    base: "uncontented/burst_fill_then_drain",
    loop: false,
    plain: true,
    description:
      "The plain loop (`_bench/loops.ts`): fill an unbounded channel with every message, close it, then await `recv()` per message until it ends, checking their order; both timed.",
    messages,
    expected: expectedSum(messages),
    entries: [
      ...moduleEntries(messages, (n) => seedMpsc.burst!(n)),
      ...[stdChannel, itPushable, ringFloor].flatMap((c) =>
        entryOf(c, messages, (n) => c.burst?.(n), Infinity)
      ),
      ...entryOf(
        asyncChannel,
        messages,
        (n) => asyncChannel.burst!(n),
        QUADRATIC_CAP,
      ),
    ],
  });
  for (const order of ORDERS) {
    list.push({
      id: `send/permits_bounded_64/${orderPart(order)}`,
      base: "send/permits_bounded_64",
      order,
      loop: true,
      description:
        `As spsc_bounded_64, the producer sending through \`reserve()\` or \`reserveMany(64)\` permits. ${
          orderSentence(order)
        }`,
      messages,
      expected: expectedSum(messages),
      entries: [
        ...moduleEntries(messages, (n) => seedMpsc.spsc!(n, 64, order)),
        variant(
          "reserve() + permit.send()",
          () => reserveEach(messages, 64, order),
        ),
        variant(
          "reserveMany(64) + permit.send()",
          () => reserveManyEach(messages, 64, 64, order),
        ),
        ...entryOf(ringFloor, messages, (n) => ringFloor.spsc!(n, 64, order)),
      ],
    });
  }
  for (const backlog of [10, DEEP_BACKLOG]) {
    const steady = (c: Contender, n = messages) => () => c.steady!(backlog, n)!;
    // Each shift() moves the whole backlog once it is long, so that row
    // moves fewer messages to finish in time; its rate is comparable.
    const shifted = backlog > 16_384 ? 2_000 : messages;
    list.push({
      id: `uncontented/steady_backlog_${backlog}`,
      base: `uncontented/steady_backlog_${backlog}`,
      loop: false,
      description:
        `An unbounded channel holding ${backlog} messages: send one, then await \`recv()\` one, so its length stays ${backlog}.`,
      messages,
      expected: expectedSum(Math.max(0, messages - backlog)),
      entries: [
        { contender: seedMpsc, name: MODULE, prepare: steady(seedMpsc) },
        ...[ringFloor, syncFloor].map((c) => ({
          contender: c,
          name: c.name,
          prepare: steady(c),
        })),
        {
          contender: shiftQueue,
          name: shiftQueue.name,
          prepare: steady(shiftQueue, shifted),
          messages: shifted,
          expected: expectedSum(Math.max(0, shifted - backlog)),
        },
      ],
    });
  }
  return list;
}
