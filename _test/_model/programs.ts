// Copyright 2026 the @seed/mpsc authors. MIT license.
// Random programs over one channel: the commands of concurrent actors, and
// the turns that interleave them. User code inside the channel (a message's
// `then`, an abort listener) runs its command in two halves: the model half
// where the core must run it (once the channel's step is complete), the
// real half when the real user code runs; both see the channel in the same
// state, or the check fails.

import fc from "npm:fast-check@3.23.2";

// -- Programs --

/**
 * How a call that can wait gets its signal: none; a live one another actor
 * may abort; one aborted already; a fake (`Object.create(AbortSignal.
 * prototype)`, which must be refused with a `TypeError`); or a live one with
 * user abort listeners around the channel's own, that call back into the
 * channel when it is aborted (one added before the call, one after).
 */
export type Signal = "none" | "live" | "aborted" | "fake" | "hostile";

/**
 * One step of an actor. Handles and permits are named by their index in
 * shared pools (taken modulo the pool's size), so that any program is valid
 * and shrinks well.
 */
export type Command =
  | { op: "send"; tx: number; signal: Signal }
  | { op: "trySend"; tx: number }
  | { op: "burst"; tx: number; k: number }
  | { op: "sendTimeout"; tx: number; ms: number; signal: Signal }
  | { op: "reserve"; tx: number; signal: Signal }
  | { op: "reserveMany"; tx: number; n: number; signal: Signal }
  | { op: "reserveOwned"; tx: number; signal: Signal }
  | { op: "tryReserve"; tx: number }
  | { op: "tryReserveMany"; tx: number; n: number }
  | { op: "tryReserveOwned"; tx: number }
  | { op: "permit"; permit: number; action: "send" | "dispose" | "release" }
  | { op: "recv"; signal: Signal }
  | { op: "recvMany"; limit: number; signal: Signal }
  | { op: "tryRecv" }
  | { op: "next" }
  | { op: "close" }
  | { op: "disposeRx" }
  | { op: "clone"; tx: number }
  | { op: "dispose"; tx: number }
  | { op: "downgrade"; tx: number }
  | { op: "upgrade"; weak: number }
  | { op: "disposeWeak"; weak: number }
  | { op: "closed"; tx: number; signal: Signal }
  | { op: "abort"; actor: number }
  // The next message sent (by anyone) is an object whose `then` getter runs
  // `action`: the getter runs when a `recv()` is resolved with it, inside
  // the channel's own step.
  | { op: "arm"; action: Command }
  // Freezes the buffer of a waiting `recvMany()` (the `actor`-th of those
  // that wait), so that the buffer refuses the messages when they come.
  | { op: "freeze"; actor: number }
  // The actor's next command finds the cooperative budget spent, so a ready
  // call yields to the event loop before it completes.
  | { op: "spend" };

/** A channel, and the commands of each of its concurrent actors. */
export interface Program {
  /** The bounded channel's capacity; `undefined` for an unbounded one. */
  capacity: number | undefined;
  actors: Command[][];
}

/** What the driver needs from `fc.scheduler()`. */
export interface Turns {
  schedule<T>(task: Promise<T>, label?: string): Promise<T>;
  count(): number;
  waitOne(): Promise<void>;
}

/** A scheduler that releases turns first come, first served. */
export function fifoTurns(): Turns {
  const queue: (() => void)[] = [];
  return {
    schedule<T>(task: Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push(() => task.then(resolve, reject));
      });
    },
    count: () => queue.length,
    async waitOne() {
      queue.shift()!();
      await null;
    },
  };
}

export const PLAIN_SIGNAL = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Signal>("none") },
  { weight: 3, arbitrary: fc.constant<Signal>("live") },
  { weight: 1, arbitrary: fc.constant<Signal>("aborted") },
);
const HOSTILE_SIGNAL = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Signal>("none") },
  { weight: 2, arbitrary: fc.constant<Signal>("live") },
  { weight: 1, arbitrary: fc.constant<Signal>("aborted") },
  { weight: 1, arbitrary: fc.constant<Signal>("fake") },
  { weight: 2, arbitrary: fc.constant<Signal>("hostile") },
);
export const INDEX = fc.nat({ max: 3 });

/**
 * What user code (a message's `then` getter, an abort listener) does to the
 * channel: one command, run on the spot. Calls that wait are not awaited.
 */
function userAction(bounded: boolean): fc.Arbitrary<Command> {
  const none = fc.constant<Signal>("none");
  return fc.oneof(
    bounded
      ? fc.record({ op: fc.constant("trySend" as const), tx: INDEX })
      : fc.record({
        op: fc.constant("send" as const),
        tx: INDEX,
        signal: none,
      }),
    fc.record({ op: fc.constant("send" as const), tx: INDEX, signal: none }),
    fc.record({ op: fc.constant("tryRecv" as const) }),
    fc.record({ op: fc.constant("recv" as const), signal: none }),
    fc.record({
      op: fc.constant("recvMany" as const),
      limit: fc.nat({ max: 3 }),
      signal: none,
    }),
    fc.record({ op: fc.constant("close" as const) }),
    fc.record({ op: fc.constant("disposeRx" as const) }),
    fc.record({ op: fc.constant("dispose" as const), tx: INDEX }),
    fc.record({ op: fc.constant("clone" as const), tx: INDEX }),
    fc.record({ op: fc.constant("abort" as const), actor: INDEX }),
    fc.record({ op: fc.constant("freeze" as const), actor: INDEX }),
    fc.record({
      op: fc.constant("permit" as const),
      permit: fc.nat({ max: 7 }),
      action: fc.constantFrom(
        "send" as const,
        "dispose" as const,
        "release" as const,
      ),
    }),
  );
}

/**
 * What the abort listeners of a "hostile" signal do, picked by the call's
 * number (so that a program replays alike).
 */
export function listenerAction(bounded: boolean, n: number): Command {
  const actions: Command[] = [
    bounded ? { op: "trySend", tx: 0 } : { op: "send", tx: 0, signal: "none" },
    { op: "tryRecv" },
    { op: "close" },
    { op: "recv", signal: "none" },
    { op: "send", tx: 1, signal: "none" },
    { op: "disposeRx" },
    { op: "dispose", tx: 1 },
    { op: "abort", actor: n },
    { op: "freeze", actor: n + 1 },
    { op: "recvMany", limit: 2, signal: "none" },
  ];
  return actions[n % actions.length]!;
}

export function command(
  bounded: boolean,
  hostile = false,
): fc.Arbitrary<Command> {
  const c = <C extends Command>(
    weight: number,
    arbitrary: fc.Arbitrary<C>,
  ) => ({ weight, arbitrary: arbitrary as fc.Arbitrary<Command> });
  const SIGNAL = hostile ? HOSTILE_SIGNAL : PLAIN_SIGNAL;
  const inputs = hostile
    ? [
      c(
        16,
        fc.record({
          op: fc.constant("arm" as const),
          action: userAction(bounded),
        }),
      ),
      c(8, fc.record({ op: fc.constant("freeze" as const), actor: INDEX })),
    ]
    : [];
  const common = [
    ...inputs,
    c(
      18,
      fc.record({
        op: fc.constant("send" as const),
        tx: INDEX,
        signal: SIGNAL,
      }),
    ),
    c(15, fc.record({ op: fc.constant("recv" as const), signal: SIGNAL })),
    // Many messages in one turn: enough, over a program, to cross blocks.
    c(
      3,
      fc.record({
        op: fc.constant("burst" as const),
        tx: INDEX,
        k: fc.integer({ min: 1, max: 40 }),
      }),
    ),
    c(
      6,
      fc.record({
        op: fc.constant("recvMany" as const),
        limit: fc.oneof(fc.nat({ max: 4 }), fc.nat({ max: 40 })),
        signal: SIGNAL,
      }),
    ),
    c(6, fc.record({ op: fc.constant("tryRecv" as const) })),
    c(4, fc.record({ op: fc.constant("next" as const) })),
    c(3, fc.record({ op: fc.constant("close" as const) })),
    c(1, fc.record({ op: fc.constant("disposeRx" as const) })),
    c(6, fc.record({ op: fc.constant("clone" as const), tx: INDEX })),
    c(2, fc.record({ op: fc.constant("dispose" as const), tx: INDEX })),
    c(3, fc.record({ op: fc.constant("downgrade" as const), tx: INDEX })),
    c(3, fc.record({ op: fc.constant("upgrade" as const), weak: INDEX })),
    c(3, fc.record({ op: fc.constant("disposeWeak" as const), weak: INDEX })),
    c(
      3,
      fc.record({
        op: fc.constant("closed" as const),
        tx: INDEX,
        signal: SIGNAL,
      }),
    ),
    c(9, fc.record({ op: fc.constant("abort" as const), actor: INDEX })),
    c(4, fc.record({ op: fc.constant("spend" as const) })),
  ];
  if (!bounded) return fc.oneof(...common);
  return fc.oneof(
    ...common,
    c(6, fc.record({ op: fc.constant("trySend" as const), tx: INDEX })),
    c(
      4,
      fc.record({
        op: fc.constant("sendTimeout" as const),
        tx: INDEX,
        ms: fc.constantFrom(0, Infinity),
        signal: SIGNAL,
      }),
    ),
    c(
      9,
      fc.record({
        op: fc.constant("reserve" as const),
        tx: INDEX,
        signal: SIGNAL,
      }),
    ),
    c(
      8,
      fc.record({
        op: fc.constant("reserveMany" as const),
        tx: INDEX,
        n: fc.oneof(fc.nat({ max: 3 }), fc.nat({ max: 17 })),
        signal: SIGNAL,
      }),
    ),
    c(
      6,
      fc.record({
        op: fc.constant("reserveOwned" as const),
        tx: INDEX,
        signal: SIGNAL,
      }),
    ),
    c(3, fc.record({ op: fc.constant("tryReserve" as const), tx: INDEX })),
    c(
      3,
      fc.record({
        op: fc.constant("tryReserveMany" as const),
        tx: INDEX,
        n: fc.oneof(fc.nat({ max: 3 }), fc.nat({ max: 17 })),
      }),
    ),
    c(3, fc.record({ op: fc.constant("tryReserveOwned" as const), tx: INDEX })),
    c(
      24,
      fc.record({
        op: fc.constant("permit" as const),
        permit: fc.nat({ max: 7 }),
        action: fc.constantFrom(
          "send" as const,
          "dispose" as const,
          "release" as const,
        ),
      }),
    ),
  );
}

/**
 * Random programs for a bounded (capacity 1 to 16) or unbounded channel;
 * `hostile` adds user code that calls back into the channel (messages with
 * `then` getters, abort listeners), buffers frozen while a call waits, and
 * fake signals.
 */
export function programs(
  bounded: boolean,
  hostile = false,
): fc.Arbitrary<Program> {
  return fc.record({
    capacity: bounded
      ? fc.oneof(
        fc.constant(1),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 16 }),
      )
      : fc.constant(undefined),
    actors: fc.array(fc.array(command(bounded, hostile), { maxLength: 16 }), {
      minLength: 1,
      maxLength: 4,
    }),
  });
}

/** A command as one line of JSON, with `Infinity` kept readable. */
export function show(cmd: Command): string {
  return JSON.stringify(cmd, (_, v) => v === Infinity ? "Infinity" : v);
}
