// Copyright 2026 the @seed/mpsc authors. MIT license.
// A reference model of a channel, and a driver that runs random programs of
// concurrent actors against the real channel and the model side by side:
// over one channel (with hostile user code, frozen buffers and fake signals,
// issue 12), or over two or three with `select` and `merge` (issue 10).
//
// User code inside the channel (a message's `then`, an abort listener) runs
// its command in two halves: the model half where the core must run it
// (once the channel's step is complete), the real half when the real user
// code runs; both see the channel in the same state, or the check fails.

import {
  assert,
  assertEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { setImmediate } from "node:timers/promises";
import fc from "npm:fast-check@3.23.2";
import { setBudgetEnabled, spendBudget as exhaustBudget } from "../budget.ts";
import {
  channel,
  merge,
  OwnedPermit,
  Permit,
  PermitIterator,
  type Receiver,
  select,
  type Sender,
  SendError,
  SendTimeoutError,
  TryRecvError,
  TrySendError,
  unboundedChannel,
  type UnboundedReceiver,
  type UnboundedSender,
  type WeakSender,
  type WeakUnboundedSender,
} from "../mod.ts";

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

const PLAIN_SIGNAL = fc.oneof(
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
const INDEX = fc.nat({ max: 3 });

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
function listenerAction(bounded: boolean, n: number): Command {
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

function command(bounded: boolean, hostile = false): fc.Arbitrary<Command> {
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

// -- The reference model --

// A call's outcome, written the same way by the model and by the driver.
type Outcome = string;

interface Rec {
  id: number;
  label: string;
  expected: Outcome | undefined; // undefined: the model says it waits
  actual: Outcome | undefined; // undefined: the real call has not settled
  // Outcomes the contract leaves open, any of which is right (an aborted
  // signal and a disposed branch of one select: which error wins).
  either?: Outcome[];
  // A waiting send granted room: from here no abort can undo it, even if
  // user code aborts its signal while the message is being delivered.
  decided?: boolean;
}

// One strong sender's uses: its handle, its pending calls, its permits.
class Hold {
  uses = 1;
}

class MSender {
  disposed = false;
  constructor(readonly hold: Hold) {}
}

class MWeak {
  disposed = false;
}

type MPermit =
  | { kind: "permit"; hold: Hold; done: boolean }
  | { kind: "owned"; hold: Hold; done: boolean }
  | { kind: "iter"; hold: Hold; remaining: number; disposed: boolean };

type WaitKind =
  | "send"
  | "sendTimeout"
  | "reserve"
  | "reserveMany"
  | "reserveOwned"
  // A select's branch on a bounded sender: room for one, as `reserve()`.
  | "select";

interface SendWaiter {
  rec: Rec;
  kind: WaitKind;
  need: number;
  got: number;
  hold: Hold;
  value: number | undefined;
  slot: number;
  // For a select's branch: the select, and the branch's key.
  sel?: MSelect;
  key?: string;
}

interface RecvWaiter {
  rec: Rec;
  // recv(), recvMany(), a step of the async iterator, or a select's branch.
  kind: "recv" | "many" | "next" | "select";
  sel?: MSelect;
  key?: string;
  // A recvMany() whose buffer was frozen while it waited.
  frozen?: boolean;
}

/**
 * A waiting `select` in the model: one registration per branch, in the
 * receivers' lines and the senders' queues of several models. The first
 * branch that can serve wins; every other registration is withdrawn in the
 * same step, before the winner takes its thing (as the core does).
 */
export class MSelect {
  nodes: { model: Model; rx?: RecvWaiter; tx?: SendWaiter }[] = [];
  constructor(
    readonly rec: Rec,
    // What the select settles with once `key` won: "value 3", "permit",
    // "done". A plain select settles its call; a merge step may go on.
    readonly onOutcome: (key: string, outcome: Outcome) => void,
    readonly onAbort: () => void = () => {},
  ) {}

  /** `keep` can serve: withdraw every other registration. */
  win(keep: RecvWaiter | SendWaiter | undefined): void {
    const nodes = this.nodes;
    this.nodes = [];
    for (const node of nodes) {
      if (node.rx !== undefined && node.rx !== keep) {
        node.model.withdrawReceiver(node.rx);
      }
      if (node.tx !== undefined && node.tx !== keep) {
        node.model.withdrawSender(node.tx);
      }
    }
  }

  /** An abort while it waits: it took nothing, and waits nowhere. */
  abort(reason: Outcome): void {
    if (this.rec.expected !== undefined || this.nodes.length === 0) return;
    this.win(undefined);
    this.rec.expected = reason;
    this.onAbort();
  }
}

// How a waiting receive call reports a message, or the end.
function received(
  kind: RecvWaiter["kind"],
  value: number | undefined,
): Outcome {
  if (value === undefined) {
    return kind === "many"
      ? "0 []"
      : kind === "next"
      ? "done"
      : "value undefined";
  }
  return kind === "many" ? `1 [${value}]` : `value ${value}`;
}

/**
 * What the channel should do, written as plainly as possible: arrays for
 * queues, counters for permits, no blocks, no promises.
 */
class Model {
  readonly bounded: boolean;
  readonly cap: number;
  queue: number[] = [];
  free: number;
  waiters: SendWaiter[] = [];
  receivers: RecvWaiter[] = [];
  closedWaiters: Rec[] = [];
  rxClosed = false;
  rxDropped = false;
  txCount = 1;
  weakCount = 0;
  handingOut = false;
  senders: MSender[] = [];
  weaks: MWeak[] = [];
  permits: (MPermit | undefined)[] = [];
  delivered: number[] = [];
  received: number[] = [];
  discarded: number[] = [];
  /**
   * Called where the core resolves a `recv()` with a message, once the
   * channel's step is complete: a hostile message's `then` runs there.
   */
  onValue: (value: number) => void = () => {};

  constructor(capacity: number | undefined) {
    this.bounded = capacity !== undefined;
    this.cap = capacity ?? Infinity;
    this.free = this.cap;
  }

  // -- Internal steps, each the counterpart of one in the core --

  settle(rec: Rec, outcome: Outcome): void {
    assertStrictEquals(
      rec.expected,
      undefined,
      `model settled ${rec.label} twice`,
    );
    rec.expected = outcome;
  }

  release(hold: Hold): void {
    if (--hold.uses === 0) this.dropTx();
  }

  dropTx(): void {
    if (--this.txCount === 0 && this.queue.length === 0) this.finishReceivers();
  }

  idle(): boolean {
    return !this.bounded || this.free === this.cap;
  }

  finished(): boolean {
    return this.queue.length === 0 &&
      (this.txCount === 0 || this.rxDropped || (this.rxClosed && this.idle()));
  }

  isClosed(): boolean {
    return this.rxClosed || this.txCount === 0;
  }

  finishReceivers(): void {
    let r;
    while ((r = this.receivers.shift())) {
      if (r.kind === "select") {
        r.sel!.win(r);
        r.sel!.onOutcome(r.key!, "done");
      } else this.settle(r.rec, received(r.kind, undefined));
    }
  }

  /** Takes a select's branch out of this receiver's line. */
  withdrawReceiver(r: RecvWaiter): void {
    const i = this.receivers.indexOf(r);
    assert(i >= 0, `model lost a select's receive in ${r.rec.label}`);
    this.receivers.splice(i, 1);
  }

  /**
   * Takes a select's branch out of this sender queue: it hands on what it
   * collected, and ends its use of the sender.
   */
  withdrawSender(w: SendWaiter): void {
    const i = this.waiters.indexOf(w);
    assert(i >= 0, `model lost a select's reservation in ${w.rec.label}`);
    this.waiters.splice(i, 1);
    const held = w.got;
    w.got = 0;
    if (held > 0) this.addPermits(held);
    this.release(w.hold);
  }

  deliver(value: number): void {
    this.delivered.push(value);
    if (this.rxDropped) {
      this.discarded.push(value);
      return;
    }
    let r = this.receivers.shift();
    while (r?.kind === "many" && r.frozen) {
      // The buffer refuses the message: the call rejects, and the message
      // goes on to the next call in line (or stays first in the queue).
      this.settle(r.rec, "TypeError(buffer)");
      r = this.receivers.shift();
    }
    if (r === undefined) {
      this.queue.push(value);
      return;
    }
    this.received.push(value);
    if (r.kind === "select") {
      // The core withdraws the select's other branches, then takes the
      // message (freeing its slot), then settles.
      r.sel!.win(r);
      this.releasePermits(1);
      r.sel!.onOutcome(r.key!, `value ${value}`);
      return;
    }
    if (r.kind === "recv") {
      // The slot is free before the call is resolved with the message,
      // since resolving runs the message's `then`.
      this.releasePermits(1);
      this.settle(r.rec, received(r.kind, value));
      this.onValue(value);
      return;
    }
    this.settle(r.rec, received(r.kind, value));
    this.releasePermits(1);
  }

  take(): number {
    const value = this.queue.shift()!;
    this.received.push(value);
    return value;
  }

  releasePermits(n: number): void {
    this.addPermits(n);
    if (this.rxClosed && this.receivers.length > 0 && this.finished()) {
      this.finishReceivers();
    }
  }

  addPermits(n: number): void {
    if (!this.bounded) return;
    this.free += n;
    if (this.handingOut) return;
    this.handingOut = true;
    while (this.free > 0 && this.waiters.length > 0) {
      const w = this.waiters[0]!;
      const take = Math.min(this.free, w.need - w.got);
      this.free -= take;
      w.got += take;
      if (w.got < w.need) break;
      this.waiters.shift();
      this.grant(w);
    }
    this.handingOut = false;
  }

  grant(w: SendWaiter): void {
    switch (w.kind) {
      case "send":
      case "sendTimeout":
        w.rec.decided = true;
        this.deliver(w.value!);
        this.release(w.hold);
        this.settle(w.rec, "ok");
        return;
      case "reserve":
        this.permits[w.slot] = { kind: "permit", hold: w.hold, done: false };
        this.settle(w.rec, "permit");
        return;
      case "reserveMany":
        this.permits[w.slot] = {
          kind: "iter",
          hold: w.hold,
          remaining: w.need,
          disposed: false,
        };
        this.settle(w.rec, `iter(${w.need})`);
        return;
      case "reserveOwned":
        this.permits[w.slot] = { kind: "owned", hold: w.hold, done: false };
        this.settle(w.rec, "owned");
        return;
      case "select":
        // The branch's use of the sender passes to the permit.
        w.sel!.win(w);
        this.permits[w.slot] = { kind: "permit", hold: w.hold, done: false };
        w.sel!.onOutcome(w.key!, "permit");
    }
  }

  // 0: acquired; "full": no permits or someone waits; "closed".
  tryAcquire(n: number): 0 | "full" | "closed" {
    if (this.rxClosed) return "closed";
    if (this.waiters.length > 0 || this.free < n) return "full";
    this.free -= n;
    return 0;
  }

  enqueue(w: SendWaiter): void {
    if (this.waiters.length === 0) {
      w.got = Math.min(this.free, w.need);
      this.free -= w.got;
    }
    this.waiters.push(w);
  }

  closeSemaphore(): void {
    let w;
    while ((w = this.waiters.shift())) {
      this.free += w.got;
      w.got = 0;
      if (w.kind === "select") {
        // Withdrawn everywhere else first, then the sender's use ends.
        w.sel!.win(w);
        this.release(w.hold);
        w.sel!.onOutcome(w.key!, "done");
        continue;
      }
      this.release(w.hold);
      const v = w.value;
      this.settle(
        w.rec,
        w.kind === "send"
          ? `SendError(${v})`
          : w.kind === "sendTimeout"
          ? `SendTimeoutError(closed, ${v})`
          : "SendError(undefined)",
      );
    }
  }

  close(): void {
    if (this.rxClosed) return;
    this.rxClosed = true;
    this.closeSemaphore();
    let rec;
    while ((rec = this.closedWaiters.shift())) this.settle(rec, "ok");
    if (this.finished()) this.finishReceivers();
  }

  drop(): void {
    this.close();
    this.rxDropped = true;
    const dropped = this.queue.length;
    this.discarded.push(...this.queue);
    this.queue = [];
    if (dropped > 0) this.addPermits(dropped);
    this.finishReceivers();
  }

  /** Withdraws the waiting call `rec` after an abort, if it still waits. */
  abort(rec: Rec, reason: Outcome): void {
    if (rec.expected !== undefined || rec.decided) return;
    const w = this.waiters.findIndex((x) => x.rec === rec);
    if (w >= 0) {
      const waiter = this.waiters.splice(w, 1)[0]!;
      const held = waiter.got;
      waiter.got = 0;
      if (held > 0) this.addPermits(held);
      this.release(waiter.hold);
      this.settle(rec, reason);
      return;
    }
    const r = this.receivers.findIndex((x) => x.rec === rec);
    if (r >= 0) {
      this.receivers.splice(r, 1);
      this.settle(rec, reason);
      return;
    }
    const c = this.closedWaiters.indexOf(rec);
    assert(c >= 0, `model lost the waiting call ${rec.label}`);
    this.closedWaiters.splice(c, 1);
    this.settle(rec, reason);
  }
}

// -- Outcomes of real calls --

class AbortReason {
  constructor(readonly id: number) {}
}

// Hostile messages: objects that stand for a message number.
const messageIds = new WeakMap<object, number>();

/** The number a real message stands for. */
function idOf(value: unknown): unknown {
  return typeof value === "object" && value !== null && messageIds.has(value)
    ? messageIds.get(value)
    : value;
}

function describeValue(value: unknown, handle?: unknown): string {
  if (handle !== undefined && value === handle) return "the sender";
  return String(idOf(value));
}

function describeError(e: unknown, handle?: unknown): Outcome {
  if (e instanceof AbortReason) return `aborted #${e.id}`;
  if (e instanceof TrySendError) {
    return `TrySendError(${e.kind}, ${describeValue(e.value, handle)})`;
  }
  if (e instanceof SendTimeoutError) {
    return `SendTimeoutError(${e.kind}, ${describeValue(e.value)})`;
  }
  if (e instanceof SendError) return `SendError(${describeValue(e.value)})`;
  if (e instanceof TryRecvError) return `TryRecvError(${e.kind})`;
  if (e instanceof ReferenceError) return "ReferenceError";
  if (e instanceof TypeError) {
    // The argument the message names is what the model predicts.
    const named = ["signal", "buffer"].find((x) => e.message.includes(x));
    if (named !== undefined) {
      tally(`TypeError(${named})`);
      return `TypeError(${named})`;
    }
  }
  const error = e as Error;
  return `unexpected ${error?.constructor?.name}: ${error?.message}`;
}

// -- The driver --

type AnySender = Sender<number> | UnboundedSender<number>;
type AnyWeak = WeakSender<number> | WeakUnboundedSender<number>;
type AnyReceiver = Receiver<number> | UnboundedReceiver<number>;
type AnyPermit = Permit<number> | PermitIterator<number> | OwnedPermit<number>;

// What an actor waits on, so that another actor can abort it.
interface Current {
  rec: Rec;
  controller: AbortController;
  // A "hostile" signal's abort listeners, before and after the channel's.
  before?: Site;
  after?: Site;
  // The second is added once the call returns: an abort that user code
  // makes during the call (a message's `then`) comes before it.
  afterAdded?: boolean;
  // The channel's runner whose user code the listeners run.
  owner?: Runner;
}

/**
 * A place where user code runs inside the channel (a hostile message's
 * `then` getter, an abort listener), and the command it runs. The model
 * runs the command's model side where the core should run the user code;
 * the real calls it would make wait in `real` until the real user code
 * runs, so both sides see the channel in the same state.
 */
interface Site {
  action: Command;
  real: (() => void)[];
  modelRan: boolean;
  fired: boolean;
}

/**
 * What the channels of one program share: the calls made, the actors'
 * waits (so that any actor can abort any other), the trace, and the
 * message numbering (unique across channels, so books balance per channel).
 */
class World {
  readonly recs: Rec[] = [];
  readonly current: (Current | undefined)[] = [];
  readonly trace: string[] = [];
  // Live abort listeners per signal the program created.
  readonly listeners = new Map<AbortSignal, Set<unknown>>();
  // Waiting selects (and merge steps) by call, for aborts.
  readonly selects = new Map<Rec, MSelect>();
  // The model of the channel each call was made on, for aborts.
  readonly models = new Map<Rec, Model>();
  sink: (() => void)[] | undefined = undefined;
  // The call whose abort command aborted each controller, as the model
  // knows it (before the real abort, if that waits for user code to run).
  readonly abortedBy = new Map<AbortController, number>();
  nextValue = 0;
}

/** Runs one program against the real channel and the model. */
class Runner {
  readonly model: Model;
  readonly rx: AnyReceiver;
  readonly senders: AnySender[] = [];
  readonly weaks: AnyWeak[] = [];
  readonly permits: (AnyPermit | undefined)[] = [];
  readonly received: number[] = [];
  readonly recs: Rec[];
  readonly current: (Current | undefined)[];
  readonly trace: string[];
  readonly listeners: Map<AbortSignal, Set<unknown>>;
  // Hostile messages by number, armed before they are sent.
  readonly armed = new Map<number, Site>();
  // Where the real side of user code goes while its model side runs (on
  // any channel of the program).
  get sink(): (() => void)[] | undefined {
    return this.world.sink;
  }
  set sink(sink: (() => void)[] | undefined) {
    this.world.sink = sink;
  }
  // Failures inside user code, which must not throw into the channel.
  readonly errors: unknown[] = [];
  // The recvMany() calls that waited, whose buffers may be frozen.
  readonly manyWaits: { waiter: RecvWaiter; buffer: unknown[] }[] = [];

  get nextValue(): number {
    return this.world.nextValue;
  }
  set nextValue(value: number) {
    this.world.nextValue = value;
  }

  constructor(
    capacity: number | undefined,
    readonly world: World = new World(),
    // Prefixes this channel's commands in the trace ("ch1 ").
    readonly name = "",
  ) {
    this.recs = world.recs;
    this.current = world.current;
    this.trace = world.trace;
    this.listeners = world.listeners;
    this.model = new Model(capacity);
    const [tx, rx] = capacity === undefined
      ? unboundedChannel<number>()
      : channel<number>(capacity);
    this.rx = rx;
    // Two strong senders and a weak one to start with.
    this.senders.push(tx, tx.clone());
    this.weaks.push(tx.downgrade());
    this.model.senders.push(new MSender(new Hold()), new MSender(new Hold()));
    this.model.txCount = 2;
    this.model.weaks.push(new MWeak());
    this.model.weakCount = 1;
    this.model.onValue = (value) => {
      const site = this.armed.get(value);
      if (site !== undefined) this.userCode(site);
    };
  }

  /** The real message for number `id`: a hostile object if it is armed. */
  message(id: number): number {
    const site = this.armed.get(id);
    if (site === undefined) return id;
    // deno-lint-ignore no-this-alias
    const runner = this;
    const message = {
      get then() {
        runner.fire(site, `the then of message ${id}`);
        return undefined;
      },
    };
    messageIds.set(message, id);
    return message as unknown as number;
  }

  /** The model side of user code, where the core should run it. */
  userCode(site: Site): void {
    if (site.modelRan) return;
    site.modelRan = true;
    const sink = this.sink;
    this.sink = site.real;
    this.trace.push(`  (user code: ${show(site.action)})`);
    let action = site.action;
    if (avoidsKnownBug(action)) {
      // Known bug 1: the budget may be spent in this turn.
      action = { op: "recvMany", limit: 1, signal: "none" };
      this.trace.push("  (limit 1: known bug 1)");
    }
    try {
      this.exec(-1, action);
    } finally {
      this.sink = sink;
    }
  }

  /** The real side of user code: the channel ran it. */
  fire(site: Site, what: string): void {
    if (!site.modelRan) {
      this.errors.push(new Error(`the channel ran ${what} unexpectedly`));
      return;
    }
    if (site.fired) return;
    site.fired = true;
    tally(`user code in ${what.split(" ")[1]}`);
    tally(`user code: ${site.action.op}`);
    // User code gets a fresh budget: a call it makes that yielded would
    // complete after the rest of the channel's step (or of a burst), where
    // the model, which sees a yield as instant, cannot follow it. The
    // "spend" command exercises yields.
    setBudgetEnabled(true);
    const sink = this.sink;
    this.sink = undefined;
    try {
      for (const real of site.real) real();
    } catch (e) {
      this.errors.push(e);
    } finally {
      this.sink = sink;
    }
  }

  /** Runs a real action now, or where user code runs if inside it. */
  real(action: () => void): void {
    if (this.sink !== undefined) this.sink.push(action);
    else action();
  }

  get bounded(): boolean {
    return this.model.bounded;
  }

  record(label: string): Rec {
    const rec = {
      id: this.recs.length,
      label,
      expected: undefined,
      actual: undefined,
    };
    this.recs.push(rec);
    this.world.models.set(rec, this.model);
    return rec;
  }

  // Compares a call that settled at once.
  now(rec: Rec, actual: () => Outcome): void {
    this.real(() => {
      try {
        rec.actual = actual();
      } catch (e) {
        rec.actual = describeError(e);
      }
      assertStrictEquals(rec.actual, rec.expected, `#${rec.id} ${rec.label}`);
    });
  }

  signal(kind: Signal, rec: Rec, actor: number): AbortSignal | undefined {
    if (kind === "none") return undefined;
    if (kind === "aborted") return AbortSignal.abort(new AbortReason(rec.id));
    // No signal, only its prototype: the call must refuse it.
    if (kind === "fake") return Object.create(AbortSignal.prototype);
    const controller = new AbortController();
    const current: Current = { rec, controller };
    if (kind === "hostile") {
      // Added before the call: it runs before the channel's own listener.
      const before = this.site(listenerAction(this.bounded, rec.id));
      controller.signal.addEventListener(
        "abort",
        () => this.fire(before, `an abort listener of #${rec.id}`),
      );
      current.before = before;
      current.after = this.site(listenerAction(this.bounded, rec.id + 3));
      current.owner = this;
    }
    this.watch(controller.signal);
    this.current[actor] = current;
    return controller.signal;
  }

  site(action: Command): Site {
    return { action, real: [], modelRan: false, fired: false };
  }

  watch(signal: AbortSignal): void {
    const live = new Set<unknown>();
    this.listeners.set(signal, live);
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((type: string, listener: EventListener) => {
      if (type === "abort") live.add(listener);
      add(type, listener);
    }) as typeof signal.addEventListener;
    signal.removeEventListener = ((type: string, listener: EventListener) => {
      if (type === "abort") live.delete(listener);
      remove(type, listener);
    }) as typeof signal.removeEventListener;
  }

  // Follows a real call that may wait; `seen` turns its value into an
  // outcome. The model has already decided (or queued) the same call.
  // Inside user code, the call is made when the real user code runs, and
  // nobody waits for it.
  follow<T>(
    actor: number,
    rec: Rec,
    call: Promise<T> | (() => Promise<T>),
    seen: (value: T) => Outcome,
    handle?: unknown,
  ): Promise<void> | undefined {
    if (this.sink !== undefined) {
      this.sink.push(() => void this.follow(actor, rec, call, seen, handle));
      return undefined;
    }
    const promise = typeof call === "function" ? call() : call;
    // A hostile signal's second listener comes after the channel's own.
    const current = this.current[actor];
    if (current?.rec === rec && current.after !== undefined) {
      const after = current.after;
      current.afterAdded = true;
      EventTarget.prototype.addEventListener.call(
        current.controller.signal,
        "abort",
        () => this.fire(after, `an abort listener of #${rec.id}`),
      );
    }
    return this.settled(actor, rec, promise, seen, handle);
  }

  async settled<T>(
    actor: number,
    rec: Rec,
    promise: Promise<T>,
    seen: (value: T) => Outcome,
    handle?: unknown,
  ): Promise<void> {
    try {
      rec.actual = seen(await promise);
    } catch (e) {
      rec.actual = describeError(e, handle);
    }
    if (this.current[actor]?.rec === rec) this.current[actor] = undefined;
  }

  pick<X>(pool: X[], index: number): [X, number] | undefined {
    if (pool.length === 0) return undefined;
    const i = index % pool.length;
    return [pool[i]!, i];
  }

  /** Runs one command on both sides; returns the real call if it may wait. */
  exec(actor: number, cmd: Command): Promise<void> | undefined {
    const m = this.model;
    const label = `actor ${actor}: ${this.name}${show(cmd)}`;
    this.trace.push(label);
    switch (cmd.op) {
      case "send":
      case "trySend":
      case "sendTimeout":
      case "reserve":
      case "reserveMany":
      case "reserveOwned":
      case "tryReserve":
      case "tryReserveMany":
      case "tryReserveOwned":
      case "clone":
      case "dispose":
      case "downgrade":
      case "closed": {
        const picked = this.pick(this.senders, cmd.tx);
        if (picked === undefined) return;
        return this.onSender(
          actor,
          cmd,
          label,
          picked[0],
          m.senders[picked[1]]!,
        );
      }
      case "burst":
        // k sends (unbounded) or trySends (bounded), each its own call.
        for (let i = 0; i < cmd.k; i++) {
          this.exec(
            actor,
            this.bounded
              ? { op: "trySend", tx: cmd.tx }
              : { op: "send", tx: cmd.tx, signal: "none" },
          );
        }
        return;
      case "upgrade":
      case "disposeWeak": {
        const picked = this.pick(this.weaks, cmd.weak);
        if (picked === undefined) return;
        const [weak, i] = picked;
        const mw = m.weaks[i]!;
        const rec = this.record(label);
        if (cmd.op === "disposeWeak") {
          if (!mw.disposed) {
            mw.disposed = true;
            m.weakCount--;
          }
          rec.expected = "ok";
          this.now(rec, () => (weak.dispose(), "ok"));
          return;
        }
        if (mw.disposed) rec.expected = "ReferenceError";
        else if (m.txCount === 0) rec.expected = "undefined";
        else {
          m.txCount++;
          m.senders.push(new MSender(new Hold()));
          rec.expected = "sender";
        }
        this.now(rec, () => {
          const up = weak.upgrade();
          if (up === undefined) return "undefined";
          this.senders.push(up);
          return "sender";
        });
        return;
      }
      case "permit":
        this.onPermit(cmd, label);
        return;
      case "abort": {
        const target = this.current[cmd.actor % (this.current.length || 1)];
        if (target === undefined) return;
        this.current[cmd.actor % this.current.length] = undefined;
        this.world.abortedBy.set(target.controller, target.rec.id);
        // The listeners run in the order they were added: a hostile
        // signal's first, then the channel's, then the hostile second.
        const owner = target.owner ?? this;
        if (target.before !== undefined) owner.userCode(target.before);
        const sel = this.world.selects.get(target.rec);
        if (sel !== undefined) sel.abort(`aborted #${target.rec.id}`);
        else {
          (this.world.models.get(target.rec) ?? m).abort(
            target.rec,
            `aborted #${target.rec.id}`,
          );
        }
        if (target.after !== undefined && target.afterAdded) {
          owner.userCode(target.after);
        }
        this.real(() =>
          target.controller.abort(new AbortReason(target.rec.id))
        );
        return;
      }
      case "arm":
        // The next message sent is hostile.
        this.armed.set(this.nextValue, this.site(cmd.action));
        return;
      case "freeze": {
        const waiting = this.manyWaits.filter((w) =>
          w.waiter.rec.expected === undefined && !w.waiter.frozen
        );
        if (waiting.length === 0) return;
        const wait = waiting[cmd.actor % waiting.length]!;
        wait.waiter.frozen = true;
        this.real(() => Object.freeze(wait.buffer));
        return;
      }
      default:
        return this.onReceiver(actor, cmd, label);
    }
  }

  onSender(
    actor: number,
    cmd: Command & { tx: number },
    label: string,
    tx: AnySender,
    ms: MSender,
  ): Promise<void> | undefined {
    const m = this.model;
    const rec = this.record(label);
    const hold = ms.hold;
    const bounded = tx as Sender<number>;
    switch (cmd.op) {
      case "clone":
        if (ms.disposed) rec.expected = "ReferenceError";
        else {
          m.txCount++;
          m.senders.push(new MSender(new Hold()));
          rec.expected = "ok";
        }
        this.now(rec, () => (this.senders.push(tx.clone()), "ok"));
        return;
      case "dispose":
        if (!ms.disposed) {
          ms.disposed = true;
          m.release(hold);
        }
        rec.expected = "ok";
        this.now(rec, () => (tx.dispose(), "ok"));
        return;
      case "downgrade":
        if (ms.disposed) rec.expected = "ReferenceError";
        else {
          m.weakCount++;
          m.weaks.push(new MWeak());
          rec.expected = "ok";
        }
        this.now(rec, () => (this.weaks.push(tx.downgrade()), "ok"));
        return;
      case "closed": {
        const signal = this.signal(cmd.signal, rec, actor);
        if (ms.disposed) rec.expected = "ReferenceError";
        else if (cmd.signal === "fake") rec.expected = "TypeError(signal)";
        else if (signal?.aborted) rec.expected = `aborted #${rec.id}`;
        else if (m.rxClosed) rec.expected = "ok";
        else m.closedWaiters.push(rec);
        return this.follow(actor, rec, () => tx.closed({ signal }), () => "ok");
      }
      case "send": {
        const value = this.nextValue++;
        if (!this.bounded) {
          if (ms.disposed) rec.expected = "ReferenceError";
          else if (m.rxClosed) rec.expected = `SendError(${value})`;
          else {
            m.deliver(value);
            rec.expected = "ok";
          }
          this.now(rec, () => (
            (tx as UnboundedSender<number>).send(this.message(value)), "ok"
          ));
          return;
        }
        const signal = this.signal(cmd.signal, rec, actor);
        if (ms.disposed) rec.expected = "ReferenceError";
        else if (cmd.signal === "fake") rec.expected = "TypeError(signal)";
        else if (signal?.aborted) rec.expected = `aborted #${rec.id}`;
        else {
          const got = m.tryAcquire(1);
          if (got === "closed") rec.expected = `SendError(${value})`;
          else if (got === 0) {
            // Sent at once: an abort by the message's `then` comes too late.
            rec.decided = true;
            m.deliver(value);
            rec.expected = "ok";
          } else this.wait(rec, "send", 1, hold, value, -1);
        }
        return this.follow(
          actor,
          rec,
          () => bounded.send(this.message(value), { signal }),
          () => "ok",
        );
      }
      case "sendTimeout": {
        const value = this.nextValue++;
        const signal = this.signal(cmd.signal, rec, actor);
        if (ms.disposed) rec.expected = "ReferenceError";
        else if (cmd.signal === "fake") rec.expected = "TypeError(signal)";
        else if (signal?.aborted) rec.expected = `aborted #${rec.id}`;
        else {
          const got = m.tryAcquire(1);
          if (got === "closed") {
            rec.expected = `SendTimeoutError(closed, ${value})`;
          } else if (got === 0) {
            rec.decided = true;
            m.deliver(value);
            rec.expected = "ok";
          } else if (cmd.ms === 0) {
            rec.expected = `SendTimeoutError(timeout, ${value})`;
          } else this.wait(rec, "sendTimeout", 1, hold, value, -1);
        }
        return this.follow(
          actor,
          rec,
          () => bounded.sendTimeout(this.message(value), cmd.ms, { signal }),
          () => "ok",
        );
      }
      case "trySend": {
        const value = this.nextValue++;
        if (ms.disposed) rec.expected = "ReferenceError";
        else {
          const got = m.tryAcquire(1);
          if (got === 0) {
            m.deliver(value);
            rec.expected = "ok";
          } else rec.expected = `TrySendError(${got}, ${value})`;
        }
        this.now(rec, () => (bounded.trySend(this.message(value)), "ok"));
        return;
      }
      case "reserve":
      case "reserveMany":
      case "reserveOwned": {
        const n = cmd.op === "reserveMany" ? cmd.n : 1;
        const slot = this.newSlot();
        const signal = this.signal(cmd.signal, rec, actor);
        if (ms.disposed) rec.expected = "ReferenceError";
        // A fake signal is refused before the sender is used or consumed.
        else if (cmd.signal === "fake") rec.expected = "TypeError(signal)";
        else {
          if (cmd.op === "reserveOwned") ms.disposed = true; // consumed
          else hold.uses++; // the call's use
          if (signal?.aborted) {
            m.release(hold);
            rec.expected = `aborted #${rec.id}`;
          } else if (n > m.cap) {
            m.release(hold);
            rec.expected = "SendError(undefined)";
          } else {
            const got = m.tryAcquire(n);
            if (got === "closed") {
              m.release(hold);
              rec.expected = "SendError(undefined)";
            } else if (got === 0 || n === 0) {
              this.grantNow(cmd.op, n, hold, slot, rec);
            } else this.wait(rec, cmd.op, n, hold, undefined, slot);
          }
        }
        const promise = (): Promise<AnyPermit> =>
          cmd.op === "reserve"
            ? bounded.reserve({ signal })
            : cmd.op === "reserveMany"
            ? bounded.reserveMany(n, { signal })
            : bounded.reserveOwned({ signal });
        return this.follow(
          actor,
          rec,
          promise,
          (p) => this.placePermit(slot, p),
        );
      }
      case "tryReserve":
      case "tryReserveMany":
      case "tryReserveOwned": {
        const n = cmd.op === "tryReserveMany" ? cmd.n : 1;
        const slot = this.newSlot();
        const owned = cmd.op === "tryReserveOwned";
        const handBack = owned ? "the sender" : "undefined";
        if (ms.disposed) rec.expected = "ReferenceError";
        else if (n > m.cap) rec.expected = `TrySendError(full, ${handBack})`;
        else if (n === 0 && !m.rxClosed) {
          this.grantNow("reserveMany", 0, hold, slot, rec, true);
        } else {
          const got = m.tryAcquire(n);
          if (got !== 0) rec.expected = `TrySendError(${got}, ${handBack})`;
          else {
            if (owned) ms.disposed = true;
            else hold.uses++;
            this.grantNow(
              owned
                ? "reserveOwned"
                : cmd.op === "tryReserve"
                ? "reserve"
                : "reserveMany",
              n,
              hold,
              slot,
              rec,
            );
          }
        }
        try {
          const permit = cmd.op === "tryReserve"
            ? bounded.tryReserve()
            : cmd.op === "tryReserveMany"
            ? bounded.tryReserveMany(n)
            : bounded.tryReserveOwned();
          rec.actual = this.placePermit(slot, permit);
        } catch (e) {
          rec.actual = describeError(e, tx);
        }
        assertStrictEquals(rec.actual, rec.expected, `#${rec.id} ${rec.label}`);
        return;
      }
    }
    return;
  }

  newSlot(): number {
    this.permits.push(undefined);
    this.model.permits.push(undefined);
    return this.permits.length - 1;
  }

  // A reservation granted without waiting; the call's use (already counted
  // by the caller, or `zero` for an empty iterator) passes to the permit.
  grantNow(
    kind: "reserve" | "reserveMany" | "reserveOwned",
    n: number,
    hold: Hold,
    slot: number,
    rec: Rec,
    zero = false,
  ): void {
    const m = this.model;
    if (kind === "reserveMany" && n === 0) {
      if (!zero) m.release(hold);
      m.permits[slot] = { kind: "iter", hold, remaining: 0, disposed: false };
      rec.expected = "iter(0)";
      return;
    }
    m.grant({ rec, kind, need: n, got: n, hold, value: undefined, slot });
  }

  wait(
    rec: Rec,
    kind: WaitKind,
    need: number,
    hold: Hold,
    value: number | undefined,
    slot: number,
  ): void {
    if (kind === "send" || kind === "sendTimeout") hold.uses++;
    this.model.enqueue({ rec, kind, need, got: 0, hold, value, slot });
  }

  placePermit(slot: number, permit: AnyPermit): Outcome {
    this.permits[slot] = permit;
    if (permit instanceof PermitIterator) return `iter(${permit.len()})`;
    if (permit instanceof OwnedPermit) return "owned";
    assert(permit instanceof Permit);
    return "permit";
  }

  onPermit(cmd: Command & { op: "permit" }, label: string): void {
    const picked = this.pick(this.permits, cmd.permit);
    if (picked === undefined) return;
    const [permit, i] = picked;
    const mp = this.model.permits[i];
    // A slot whose reservation has not been granted (or failed) is empty on
    // both sides; the check after each step proves it.
    if (mp === undefined || permit === undefined) return;
    const m = this.model;
    const rec = this.record(label);
    if (mp.kind === "iter") {
      if (cmd.action === "dispose") {
        // Disposed at the call, before giving the slots back runs any user
        // code (a delivery's `then`): that code finds it disposed.
        mp.disposed = true;
        if (mp.remaining > 0) {
          m.releasePermits(mp.remaining);
          mp.remaining = 0;
          m.release(mp.hold);
        }
        rec.expected = "ok";
        this.now(rec, () => (permit.dispose(), "ok"));
        return;
      }
      if (mp.disposed) rec.expected = "ReferenceError";
      else if (mp.remaining === 0) rec.expected = "done";
      else {
        mp.hold.uses++;
        if (--mp.remaining === 0) m.release(mp.hold);
        m.permits.push({ kind: "permit", hold: mp.hold, done: false });
        rec.expected = "permit";
      }
      this.now(rec, () => {
        const next = (permit as PermitIterator<number>).next();
        if (next.done) return "done";
        this.permits.push(next.value);
        return "permit";
      });
      return;
    }
    if (
      cmd.action === "dispose" ||
      (mp.kind === "permit" && cmd.action === "release")
    ) {
      if (!mp.done) {
        mp.done = true;
        m.releasePermits(1);
        m.release(mp.hold);
      }
      rec.expected = "ok";
      this.now(rec, () => (permit.dispose(), "ok"));
      return;
    }
    // Numbered before the model delivers it: user code run by the delivery
    // may send messages of its own.
    const value = this.nextValue++;
    if (mp.done) rec.expected = "ReferenceError";
    else {
      mp.done = true;
      if (cmd.action === "send") {
        m.deliver(value);
        if (mp.kind === "permit") m.release(mp.hold);
      } else m.releasePermits(1);
      if (mp.kind === "owned") m.senders.push(new MSender(mp.hold));
      rec.expected = "ok";
    }
    this.now(rec, () => {
      if (permit instanceof Permit) {
        permit.send(this.message(value));
        return "ok";
      }
      const owned = permit as OwnedPermit<number>;
      this.senders.push(
        cmd.action === "send"
          ? owned.send(this.message(value))
          : owned.release(),
      );
      return "ok";
    });
  }

  onReceiver(
    actor: number,
    cmd: Command,
    label: string,
  ): Promise<void> | undefined {
    const m = this.model;
    const rx = this.rx;
    const rec = this.record(label);
    const gone = this.rxDisposed;
    switch (cmd.op) {
      case "recv": {
        const signal = this.signal(cmd.signal, rec, actor);
        let ready: number | undefined = undefined;
        if (gone) rec.expected = "ReferenceError";
        else if (cmd.signal === "fake") rec.expected = "TypeError(signal)";
        else if (signal?.aborted) rec.expected = `aborted #${rec.id}`;
        else if (m.queue.length > 0) {
          ready = m.take();
          m.releasePermits(1);
          rec.expected = `value ${ready}`;
        } else if (m.finished()) rec.expected = "value undefined";
        else m.receivers.push({ rec, kind: "recv" });
        // Resolving the call with a message taken at once runs its `then`.
        if (ready !== undefined) m.onValue(ready);
        return this.follow(actor, rec, () => rx.recv({ signal }), (value) => {
          const id = idOf(value) as number | undefined;
          if (id !== undefined) this.received.push(id);
          return `value ${id}`;
        });
      }
      case "recvMany": {
        const signal = this.signal(cmd.signal, rec, actor);
        // A marker in front proves that recvMany only appends.
        const buffer: unknown[] = [-1];
        if (gone) rec.expected = "ReferenceError";
        else if (cmd.signal === "fake") rec.expected = "TypeError(signal)";
        else if (signal?.aborted) rec.expected = `aborted #${rec.id}`;
        else if (cmd.limit === 0) rec.expected = "0 []";
        else if (m.queue.length > 0) {
          const count = Math.min(cmd.limit, m.queue.length);
          const values = [];
          for (let i = 0; i < count; i++) values.push(m.take());
          m.releasePermits(count);
          rec.expected = `${count} [${values}]`;
        } else if (m.finished()) rec.expected = "0 []";
        else {
          const waiter: RecvWaiter = { rec, kind: "many" };
          m.receivers.push(waiter);
          this.manyWaits.push({ waiter, buffer });
        }
        return this.follow(
          actor,
          rec,
          () => rx.recvMany(buffer as number[], cmd.limit, { signal }),
          (n) => {
            assertStrictEquals(
              buffer[0],
              -1,
              "recvMany() changed what the buffer held",
            );
            const appended = buffer.slice(1).map(idOf) as number[];
            this.received.push(...appended);
            return `${n} [${appended}]`;
          },
        );
      }
      case "next": {
        if (gone) rec.expected = "ReferenceError";
        else if (m.queue.length > 0) {
          const value = m.take();
          m.releasePermits(1);
          rec.expected = `value ${value}`;
        } else if (m.finished()) rec.expected = "done";
        else m.receivers.push({ rec, kind: "next" });
        const step = async () => await rx[Symbol.asyncIterator]().next();
        return this.follow(actor, rec, step, (result) => {
          if (result.done) return "done";
          const id = idOf(result.value) as number;
          this.received.push(id);
          return `value ${id}`;
        });
      }
      case "tryRecv": {
        if (gone) rec.expected = "ReferenceError";
        else if (m.queue.length > 0) {
          const value = m.take();
          m.releasePermits(1);
          rec.expected = `value ${value}`;
        } else {rec.expected = `TryRecvError(${
            m.finished() ? "disconnected" : "empty"
          })`;}
        this.now(rec, () => {
          const value = idOf(rx.tryRecv()) as number;
          this.received.push(value);
          return `value ${value}`;
        });
        return;
      }
      case "close":
        if (gone) rec.expected = "ReferenceError";
        else {
          m.close();
          rec.expected = "ok";
        }
        this.now(rec, () => (rx.close(), "ok"));
        return;
      case "disposeRx":
        if (!gone) {
          this.rxDisposed = true;
          m.drop();
        }
        rec.expected = "ok";
        this.now(rec, () => (rx.dispose(), "ok"));
        return;
    }
    return;
  }

  rxDisposed = false;

  /** Compares every observable of the real channel with the model. */
  check(when: string): void {
    const m = this.model;
    const where = (what: string) =>
      `${when}: ${what}\n${
        this.trace.join("\n")
      }\ncalls (expected / actual):\n${
        this.recs.map((r) => `#${r.id} ${r.label}: ${r.expected} / ${r.actual}`)
          .join("\n")
      }`;
    if (this.errors.length > 0) {
      throw new Error(where("inside user code"), { cause: this.errors[0] });
    }
    for (const rec of this.recs) {
      assertStrictEquals(
        rec.actual,
        rec.either?.includes(rec.actual!) ? rec.actual : rec.expected,
        where(`#${rec.id} ${rec.label}`),
      );
    }
    const rx = this.rx as Receiver<number>;
    if (this.rxDisposed) {
      assertThrows(
        () => rx.len(),
        ReferenceError,
        undefined,
        where("disposed receiver"),
      );
    } else {
      assertEquals(
        {
          len: rx.len(),
          isEmpty: rx.isEmpty(),
          isClosed: rx.isClosed(),
          strong: rx.senderStrongCount(),
          weak: rx.senderWeakCount(),
          capacity: this.bounded ? rx.capacity() : undefined,
          maxCapacity: this.bounded ? rx.maxCapacity() : undefined,
        },
        {
          len: m.queue.length,
          isEmpty: m.queue.length === 0,
          isClosed: m.isClosed(),
          strong: m.txCount,
          weak: m.weakCount,
          capacity: this.bounded ? m.free : undefined,
          maxCapacity: this.bounded ? m.cap : undefined,
        },
        where("receiver"),
      );
    }
    this.senders.forEach((tx, i) => {
      const ms = m.senders[i]!;
      if (ms.disposed) {
        assertThrows(
          () => tx.strongCount(),
          ReferenceError,
          undefined,
          where(`sender ${i}`),
        );
        return;
      }
      const bounded = tx as Sender<number>;
      assertEquals(
        {
          isClosed: tx.isClosed(),
          strong: tx.strongCount(),
          weak: tx.weakCount(),
          capacity: this.bounded ? bounded.capacity() : undefined,
        },
        {
          isClosed: m.rxClosed,
          strong: m.txCount,
          weak: m.weakCount,
          capacity: this.bounded ? m.free : undefined,
        },
        where(`sender ${i}`),
      );
    });
    this.weaks.forEach((weak, i) => {
      if (m.weaks[i]!.disposed) return;
      assertStrictEquals(
        weak.strongCount(),
        m.txCount,
        where(`weak sender ${i}`),
      );
      assertStrictEquals(
        weak.weakCount(),
        m.weakCount,
        where(`weak sender ${i}`),
      );
    });
    assertStrictEquals(this.permits.length, m.permits.length);
    this.permits.forEach((permit, i) => {
      const mp = m.permits[i];
      assertStrictEquals(
        permit === undefined,
        mp === undefined,
        where(`permit slot ${i}`),
      );
      if (mp?.kind === "iter" && !mp.disposed) {
        assertStrictEquals(
          (permit as PermitIterator<number>).len(),
          mp.remaining,
          where(`iterator ${i}`),
        );
      }
    });
  }

  /**
   * Unblocks a program whose actors all wait: aborts a waiting call if one
   * can be, else feeds a waiting receive, else makes room for a waiting
   * send, else disposes the receiver, which settles every waiting call.
   */
  unblock(): void {
    const m = this.model;
    assertStrictEquals(
      this.rxDisposed,
      false,
      `actors stuck:\n${this.trace.join("\n")}`,
    );
    const actor = this.current.findIndex((c) => c !== undefined);
    if (actor >= 0) {
      this.exec(-1, { op: "abort", actor });
      return;
    }
    const live = m.senders.findIndex((s) => !s.disposed);
    const room = !m.rxClosed && (!this.bounded || m.free > 0);
    if (m.receivers.length > 0 && live >= 0 && room) {
      this.exec(
        -1,
        this.bounded
          ? { op: "trySend", tx: live }
          : { op: "send", tx: live, signal: "none" },
      );
      return;
    }
    if (m.waiters.length > 0 && m.queue.length > 0) {
      this.exec(-1, { op: "tryRecv" });
      return;
    }
    this.exec(-1, { op: "disposeRx" });
  }

  /**
   * Makes the next ready call in this turn find the cooperative budget
   * spent, so that it parks and yields first. The yield ends before the
   * turn's check (one macrotask, queued first), so the model does not see
   * it; what it exercises is every call's path after a yield.
   */
  spendBudget(): void {
    this.trace.push("(budget spent)");
    exhaustBudget();
  }

  /** Disposes everything on both sides, receiver last. */
  teardown(): void {
    this.permits.forEach((_, i) =>
      this.onPermit({ op: "permit", permit: i, action: "dispose" }, "teardown")
    );
    this.senders.forEach((_, i) => this.exec(-1, { op: "dispose", tx: i }));
    this.weaks.forEach((_, i) => this.exec(-1, { op: "disposeWeak", weak: i }));
    if (!this.rxDisposed) {
      // (A send that user code started and nobody awaits may still wait:
      // it holds its sender until the receiver goes.)
      if (this.model.waiters.length === 0) {
        assertStrictEquals(
          this.model.txCount,
          0,
          "senders left after teardown",
        );
      }
      this.exec(-1, { op: "disposeRx" });
    }
  }

  /** Every message was received once, or discarded with the receiver. */
  checkBooks(): void {
    const m = this.model;
    const seen = new Set<number>();
    for (const value of this.received) {
      assert(!seen.has(value), `message ${value} received twice`);
      seen.add(value);
    }
    assertEquals(
      [...this.received].sort((a, b) => a - b),
      [...m.received].sort((a, b) => a - b),
    );
    const accounted = [...m.received, ...m.discarded].sort((a, b) => a - b);
    assertEquals(
      accounted,
      [...m.delivered].sort((a, b) => a - b),
      "a sent message went missing",
    );
    for (const [signal, live] of this.listeners) {
      assertStrictEquals(
        live.size,
        0,
        `abort listener left on a signal (aborted: ${signal.aborted})`,
      );
    }
  }
}

/**
 * Module bugs the model has found and the lead has not fixed yet. The
 * generators still make the programs that hit them (so a seed keeps
 * replaying the same program), but the driver steers around them, unless
 * `MODEL_KNOWN_BUGS=1` asks to see them fail.
 *
 * None at present. The last, fixed in `chan.ts`: `recvMany(buffer, 0)`
 * that found the budget spent while another receive waited joined the line
 * and waited for a message, instead of resolving 0 after its yield (replay:
 * `MODEL_SEED=1970227339 MODEL_PATH="366:3:6:4:5:5"`, unbounded test). The
 * steering below is kept, off, for the next one.
 */
export const knownBugs = { avoid: false };

// A command that would hit a known bug if the budget were spent before it.
function avoidsKnownBug(cmd: Command | MultiCommand): boolean {
  if (!knownBugs.avoid) return false;
  const inner = cmd.op === "at" ? cmd.cmd : cmd;
  return inner.op === "recvMany" && inner.limit === 0;
}

/** What {@linkcode drive} needs from a runner of one or several channels. */
interface Driver<C> {
  readonly world: World;
  exec(actor: number, cmd: C): Promise<void> | undefined;
  check(when: string): void;
  unblock(): void;
  spendBudget(): void;
  // The actor ran its last command (a merge it left open is left).
  endActor(actor: number): void;
  teardown(): void;
  checkBooks(): void;
}

/**
 * Runs the actors' commands: each actor takes its turns when `turns` lets
 * it, and the real channels are compared with the model after every turn,
 * once every reaction to that turn has run.
 */
async function drive<C extends Command | MultiCommand>(
  turns: Turns,
  runner: Driver<C>,
  actors: C[][],
): Promise<void> {
  let failure: unknown = undefined;
  let done = 0;
  runner.world.current.length = actors.length;
  actors.forEach(async (commands, actor) => {
    try {
      let spend = false;
      for (const cmd of commands) {
        if (cmd.op === "spend") {
          spend = true;
          continue;
        }
        await turns.schedule(
          Promise.resolve(),
          `actor ${actor}: ${spend ? "(budget spent) " : ""}${
            JSON.stringify(cmd, (_, v) => v === Infinity ? "Infinity" : v)
          }`,
        );
        if (spend && avoidsKnownBug(cmd)) {
          runner.world.trace.push("(budget left: known bug 1)");
        } else if (spend) runner.spendBudget();
        spend = false;
        const waiting = runner.exec(actor, cmd);
        if (waiting !== undefined) await waiting;
      }
      runner.endActor(actor);
    } catch (e) {
      failure ??= e;
    }
    done++;
  });
  for (let step = 0;; step++) {
    assert(step < 10_000, "the program does not end");
    await setImmediate();
    if (failure !== undefined) throw failure;
    runner.check(`after turn ${step}`);
    if (turns.count() > 0) {
      await turns.waitOne();
      continue;
    }
    if (done === actors.length) break;
    // Every actor left waits on a channel: unblock one, and go on.
    runner.unblock();
  }
  runner.teardown();
  await setImmediate();
  runner.check("after teardown");
  runner.checkBooks();
}

/** Runs `program` against one real channel and the model. */
export async function runProgram(
  turns: Turns,
  program: Program,
): Promise<void> {
  const runner = new Runner(program.capacity);
  await drive(turns, {
    world: runner.world,
    exec: (actor, cmd) => runner.exec(actor, cmd),
    check: (when) => runner.check(when),
    unblock: () => runner.unblock(),
    spendBudget: () => runner.spendBudget(),
    endActor: () => {},
    teardown: () => runner.teardown(),
    checkBooks: () => runner.checkBooks(),
  }, program.actors);
}

// -- Several channels: select and merge --

/**
 * How often each kind of select and merge outcome came up, so that a test
 * can prove its programs reach them ("select permit waited": a select that
 * waited, then won room on a sender branch).
 */
export const coverage: Map<string, number> = new Map();

function tally(what: string): void {
  coverage.set(what, (coverage.get(what) ?? 0) + 1);
}

// "rx0 value 3" -> "value"; "aborted #4" -> "aborted".
function kindOf(outcome: Outcome): string {
  const words = outcome.split(" ");
  return words[0]!.startsWith("rx") || words[0]!.startsWith("tx")
    ? words[1]!
    : words[0]!;
}

/**
 * One branch of a `select`: the receiver of channel `ch`, or one of its
 * senders (`tx`, an index into its pool) when the channel is bounded. A
 * branch on an unbounded channel's sender reads as its receiver, and a
 * repeated branch is dropped, so that any list is valid.
 */
export interface BranchSpec {
  ch: number;
  side: "rx" | "tx";
  tx: number;
}

/** One step of an actor in a program over several channels. */
export type MultiCommand =
  // Any single-channel command on channel `ch`.
  | { op: "at"; ch: number; cmd: Command }
  | { op: "select"; branches: BranchSpec[]; biased: boolean; signal: Signal }
  // Starts the actor's merge over the receivers of `chs` (leaving the one
  // it had open, as a loop left early would).
  | { op: "merge"; chs: number[]; signal: Signal }
  // One step of the actor's merge: `next()` on its iterator.
  | { op: "mergeNext" }
  // Leaves the actor's merge early: `return()` on its iterator.
  | { op: "mergeReturn" }
  | { op: "abort"; actor: number }
  | { op: "spend" };

/** Channels (a capacity each, `undefined` for unbounded) and actors. */
export interface MultiProgram {
  capacities: (number | undefined)[];
  actors: MultiCommand[][];
}

function multiCommand(
  capacities: (number | undefined)[],
): fc.Arbitrary<MultiCommand> {
  const c = <C extends MultiCommand>(
    weight: number,
    arbitrary: fc.Arbitrary<C>,
  ) => ({ weight, arbitrary: arbitrary as fc.Arbitrary<MultiCommand> });
  const last = capacities.length - 1;
  // Aborts and budget spending act on actors, not channels: top level only.
  // Hostile inputs too: user code (on that channel) runs inside steps that
  // also settle selects and merges.
  const at = fc.oneof(
    ...capacities.map((capacity, ch) =>
      command(capacity !== undefined, true)
        .filter((cmd) => cmd.op !== "abort" && cmd.op !== "spend")
        .map((cmd): MultiCommand => ({ op: "at", ch, cmd }))
    ),
  );
  return fc.oneof(
    { weight: 50, arbitrary: at },
    c(
      16,
      fc.record({
        op: fc.constant("select" as const),
        branches: fc.array(
          fc.record({
            ch: fc.nat({ max: last }),
            side: fc.constantFrom("rx" as const, "tx" as const),
            tx: INDEX,
          }),
          { minLength: 1, maxLength: 4 },
        ),
        biased: fc.boolean(),
        signal: PLAIN_SIGNAL,
      }),
    ),
    c(
      6,
      fc.record({
        op: fc.constant("merge" as const),
        chs: fc.array(fc.nat({ max: last }), { minLength: 1, maxLength: 3 }),
        signal: PLAIN_SIGNAL,
      }),
    ),
    c(20, fc.record({ op: fc.constant("mergeNext" as const) })),
    c(1, fc.record({ op: fc.constant("mergeReturn" as const) })),
    c(7, fc.record({ op: fc.constant("abort" as const), actor: INDEX })),
    c(2, fc.record({ op: fc.constant("spend" as const) })),
  );
}

/**
 * Random programs over two or three channels, bounded (capacity 1 to 4, so
 * that senders wait) and unbounded mixed, with selects and merges.
 */
export function multiPrograms(): fc.Arbitrary<MultiProgram> {
  return fc.array(
    fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 4 })),
    { minLength: 2, maxLength: 3 },
  ).chain((capacities) =>
    fc.record({
      capacities: fc.constant(capacities),
      actors: fc.array(
        fc.array(multiCommand(capacities), { maxLength: 16 }),
        { minLength: 1, maxLength: 4 },
      ),
    })
  );
}

// A branch of one real select, and its counterpart in the model.
interface Br {
  key: string;
  ch: number;
  runner: Runner;
  side: "rx" | "tx";
  tx?: AnySender;
  ms?: MSender;
  // The permit slot (in the channel's pool) a won sender branch fills.
  slot: number;
}

// What a real select resolves with, seen without its types.
interface SelectSeen {
  key: string;
  done: boolean;
  value?: number;
  permit?: Permit<number>;
}

// One actor's merge.
interface MergeState {
  gen: AsyncGenerator<{ key: string; value: number }, void>;
  // Channels whose receiver the merge still reads, in key order.
  open: number[];
  // Channels that were finished when the merge took a message elsewhere:
  // the real merge may have dropped them or not, since which ready branch
  // a fair select tries first is random. Dropping one is invisible unless
  // its receiver is then disposed (a select rejects a disposed branch), so
  // the driver does not dispose these receivers (it closes them instead).
  maybe: Set<number>;
  finished: boolean;
  signal: AbortSignal | undefined;
  controller: AbortController | undefined;
  // The call that started the merge: an already aborted signal's reason.
  startId: number;
  // Several branches had a message: the model takes the one the real merge
  // took (any of them is correct), once it is known.
  pending: Br[] | undefined;
}

/** Runs a program over several channels against the model. */
class MultiRunner implements Driver<MultiCommand> {
  readonly world = new World();
  readonly runners: Runner[];
  readonly merges: (MergeState | undefined)[] = [];

  constructor(capacities: (number | undefined)[]) {
    this.runners = capacities.map((capacity, ch) =>
      new Runner(capacity, this.world, `ch${ch} `)
    );
  }

  get first(): Runner {
    return this.runners[0]!;
  }

  exec(actor: number, cmd: MultiCommand): Promise<void> | undefined {
    const n = this.runners.length;
    switch (cmd.op) {
      case "at": {
        const ch = cmd.ch % n;
        let inner = cmd.cmd;
        if (inner.op === "disposeRx" && this.maybeMerged(ch)) {
          this.world.trace.push(`(ch${ch}: a merge may hold it: close)`);
          inner = { op: "close" };
        }
        return this.runners[ch]!.exec(actor, inner);
      }
      case "abort":
      case "spend":
        return this.first.exec(actor, cmd as Command);
      case "select":
        return this.select(actor, cmd);
      case "merge":
      case "mergeNext":
      case "mergeReturn":
        return this.onMerge(actor, cmd);
    }
  }

  label(actor: number, cmd: MultiCommand): string {
    const label = `actor ${actor}: ${JSON.stringify(cmd)}`;
    this.world.trace.push(label);
    return label;
  }

  maybeMerged(ch: number): boolean {
    return this.merges.some((mg) =>
      mg !== undefined && !mg.finished && mg.maybe.has(ch)
    );
  }

  /** The branches of a select, deduplicated, in key order. */
  branches(specs: BranchSpec[]): Br[] {
    const out: Br[] = [];
    const seen = new Set<string>();
    for (const spec of specs) {
      const ch = spec.ch % this.runners.length;
      const runner = this.runners[ch]!;
      const side = spec.side === "tx" && runner.bounded ? "tx" : "rx";
      const key = `${side}${ch}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (side === "rx") {
        out.push({ key, ch, runner, side, slot: -1 });
        continue;
      }
      const [tx, i] = runner.pick(runner.senders, spec.tx)!;
      out.push({
        key,
        ch,
        runner,
        side,
        tx,
        ms: runner.model.senders[i]!,
        slot: -1,
      });
    }
    return out;
  }

  gone(b: Br): boolean {
    return b.side === "rx" ? b.runner.rxDisposed : b.ms!.disposed;
  }

  /**
   * Whether a branch can serve now: a receiver first in line with a
   * message or finished; a sender's channel closed, or room with nobody
   * queued ahead (no barging).
   */
  ready(b: Br): boolean {
    const m = b.runner.model;
    if (b.side === "rx") {
      return m.receivers.length === 0 && (m.queue.length > 0 || m.finished());
    }
    return m.rxClosed || (m.waiters.length === 0 && m.free >= 1);
  }

  /** Takes a ready branch's one thing in the model. */
  take(b: Br): Outcome {
    const m = b.runner.model;
    if (b.side === "rx") {
      if (m.queue.length === 0) return "done";
      const value = m.take();
      m.releasePermits(1);
      return `value ${value}`;
    }
    if (m.tryAcquire(1) !== 0) return "done";
    b.ms!.hold.uses++; // the permit's use of its sender
    m.permits[b.slot] = { kind: "permit", hold: b.ms!.hold, done: false };
    return "permit";
  }

  /** Registers a waiting select on every branch, in key order. */
  register(
    rec: Rec,
    branches: Br[],
    onOutcome: (key: string, outcome: Outcome) => void,
    onAbort?: () => void,
  ): void {
    const sel = new MSelect(rec, onOutcome, onAbort);
    for (const b of branches) {
      const m = b.runner.model;
      const key = b.key;
      if (b.side === "rx") {
        const rx: RecvWaiter = { rec, kind: "select", sel, key };
        m.receivers.push(rx);
        sel.nodes.push({ model: m, rx });
        continue;
      }
      // A waiting reservation keeps its sender counted, like `reserve()`.
      const hold = b.ms!.hold;
      hold.uses++;
      const tx: SendWaiter = {
        rec,
        kind: "select",
        need: 1,
        got: 0,
        hold,
        value: undefined,
        slot: b.slot,
        sel,
        key,
      };
      m.enqueue(tx);
      sel.nodes.push({ model: m, tx });
    }
    this.world.selects.set(rec, sel);
  }

  /** Books what a real select or merge step took, as the model's outcome. */
  seen(branches: Br[], outcome: SelectSeen): Outcome {
    const b = branches.find((x) => x.key === outcome.key);
    if (b === undefined) return `unknown branch ${outcome.key}`;
    if (outcome.done) return `${b.key} done`;
    if (outcome.permit !== undefined) {
      b.runner.permits[b.slot] = outcome.permit;
      return `${b.key} permit`;
    }
    // (A hostile message stands for its number.)
    const value = idOf(outcome.value) as number;
    b.runner.received.push(value);
    return `${b.key} value ${value}`;
  }

  select(
    actor: number,
    cmd: MultiCommand & { op: "select" },
  ): Promise<void> {
    const rec = this.first.record(this.label(actor, cmd));
    const branches = this.branches(cmd.branches);
    for (const b of branches) if (b.side === "tx") b.slot = b.runner.newSlot();
    const signal = this.first.signal(cmd.signal, rec, actor);
    // Several branches ready and no bias: the real select picks one at
    // random; the model checks it was ready and takes the same.
    let choice: Br[] | undefined = undefined;
    let waited = false;
    if (branches.some((b) => this.gone(b))) {
      rec.expected = "ReferenceError";
      if (signal?.aborted) rec.either = [`aborted #${rec.id}`];
    } else if (signal?.aborted) rec.expected = `aborted #${rec.id}`;
    else {
      const ready = branches.filter((b) => this.ready(b));
      if (ready.length === 0) {
        waited = true;
        this.register(rec, branches, (key, outcome) => {
          rec.expected = `${key} ${outcome}`;
        });
      } else if (cmd.biased || ready.length === 1) {
        rec.expected = `${ready[0]!.key} ${this.take(ready[0]!)}`;
      } else choice = ready;
    }
    const handles: Record<string, AnyReceiver | AnySender> = {};
    for (const b of branches) {
      handles[b.key] = b.side === "rx" ? b.runner.rx : b.tx!;
    }
    const promise = select(
      handles as Record<string, Receiver<number> | Sender<number>>,
      { signal, biased: cmd.biased },
    ) as Promise<unknown> as Promise<SelectSeen>;
    return this.first.settled(actor, rec, promise, (outcome) => {
      if (choice !== undefined) {
        const b = choice.find((x) => x.key === outcome.key);
        rec.expected = b === undefined
          ? `one of ${choice.map((x) => x.key)}`
          : `${b.key} ${this.take(b)}`;
      }
      if (choice !== undefined) tally("select fair choice");
      return this.seen(branches, outcome);
    }).then(() =>
      tally(`select ${kindOf(rec.actual!)} ${waited ? "waited" : "at once"}`)
    );
  }

  onMerge(
    actor: number,
    cmd: MultiCommand & { op: "merge" | "mergeNext" | "mergeReturn" },
  ): Promise<void> | undefined {
    const old = this.merges[actor];
    if (cmd.op !== "merge" && old === undefined) return;
    const label = this.label(actor, cmd);
    const rec = this.first.record(label);
    if (cmd.op === "merge") {
      // The actor leaves the merge it had open, as a loop left early.
      if (old !== undefined) this.leave(old);
      const chs = [...new Set(cmd.chs.map((ch) => ch % this.runners.length))];
      const controller = cmd.signal === "live"
        ? new AbortController()
        : undefined;
      const signal = cmd.signal === "aborted"
        ? AbortSignal.abort(new AbortReason(rec.id))
        : controller?.signal;
      if (controller !== undefined) this.first.watch(controller.signal);
      const receivers: Record<string, AnyReceiver> = {};
      for (const ch of chs) receivers[`rx${ch}`] = this.runners[ch]!.rx;
      // The generator's body runs from the first next(): nothing happens.
      const gen = merge(
        receivers as Record<string, Receiver<number>>,
        signal === undefined ? undefined : { signal },
      );
      this.merges[actor] = {
        gen: gen as AsyncGenerator<{ key: string; value: number }, void>,
        open: chs,
        maybe: new Set(),
        finished: false,
        signal,
        controller,
        startId: rec.id,
        pending: undefined,
      };
      rec.expected = "ok";
      rec.actual = "ok";
      return;
    }
    const mg = old!;
    if (cmd.op === "mergeReturn") {
      this.leave(mg);
      this.merges[actor] = undefined;
      rec.expected = "ok";
      return this.first.settled(actor, rec, mg.gen.return(), () => "ok");
    }
    if (mg.controller !== undefined && !mg.finished) {
      this.world.current[actor] = { rec, controller: mg.controller };
    }
    this.mergeStep(mg, rec);
    const waited = this.world.selects.get(rec)?.nodes.length
      ? "waited"
      : "at once";
    return this.first.settled(actor, rec, mg.gen.next(), (result) => {
      const pending = mg.pending;
      if (pending !== undefined) {
        mg.pending = undefined;
        const b = result.done
          ? undefined
          : pending.find((x) => x.key === result.value.key);
        rec.expected = b === undefined
          ? `one of ${pending.map((x) => x.key)}`
          : `${b.key} ${this.take(b)}`;
      }
      if (result.done) return "end";
      const { key, value } = result.value;
      return this.seen(this.mergeBranches(mg), { key, value, done: false });
    }).then(() => tally(`merge ${kindOf(rec.actual!)} ${waited}`));
  }

  /** The merge is left: nothing more is taken, and it waits nowhere. */
  leave(mg: MergeState): void {
    mg.finished = true;
    mg.maybe.clear();
  }

  /**
   * The call whose abort the merge's signal carries, if it is aborted: the
   * merge's own (aborted from the start), or a step's (aborted by another
   * actor, or by user code just as that step settled, between steps).
   */
  abortedBy(mg: MergeState): number | undefined {
    if (mg.controller !== undefined) {
      return this.world.abortedBy.get(mg.controller);
    }
    return mg.signal === undefined ? undefined : mg.startId;
  }

  mergeBranches(mg: MergeState): Br[] {
    return this.branches(mg.open.map((ch) => ({ ch, side: "rx", tx: 0 })));
  }

  /**
   * One `next()` of a merge in the model: a select over the receivers still
   * open, again and again while the one that wins is finished (the real
   * merge drops it and selects again, microtasks later, in the same turn).
   */
  mergeStep(mg: MergeState, rec: Rec): void {
    if (mg.finished) {
      rec.expected = "end";
      return;
    }
    const branches = this.mergeBranches(mg);
    if (branches.some((b) => this.gone(b))) {
      this.leave(mg);
      rec.expected = "ReferenceError";
      const abortedBy = this.abortedBy(mg);
      if (abortedBy !== undefined) rec.either = [`aborted #${abortedBy}`];
      return;
    }
    const abortedBy = this.abortedBy(mg);
    if (abortedBy !== undefined) {
      this.leave(mg);
      rec.expected = `aborted #${abortedBy}`;
      return;
    }
    const ready = branches.filter((b) => this.ready(b));
    const values = ready.filter((b) => b.runner.model.queue.length > 0);
    if (values.length > 0) {
      for (const b of ready) if (!values.includes(b)) mg.maybe.add(b.ch);
      if (values.length === 1) {
        rec.expected = `${values[0]!.key} ${this.take(values[0]!)}`;
      } else mg.pending = values;
      return;
    }
    // Every ready branch is finished: the real merge drops each in turn.
    mg.open = mg.open.filter((ch) => !ready.some((b) => b.ch === ch));
    mg.maybe.clear();
    if (mg.open.length === 0) {
      this.leave(mg);
      rec.expected = "end";
      return;
    }
    this.register(
      rec,
      branches.filter((b) => !ready.includes(b)),
      (key, outcome) => {
        if (outcome !== "done") {
          rec.expected = `${key} ${outcome}`;
          return;
        }
        mg.open = mg.open.filter((ch) => `rx${ch}` !== key);
        this.mergeStep(mg, rec);
      },
      () => this.leave(mg),
    );
  }

  check(when: string): void {
    this.runners.forEach((runner, ch) => runner.check(`${when}, ch${ch}`));
  }

  /**
   * Unblocks a program whose actors all wait: aborts a waiting call if one
   * can be, else feeds a waiting receive, else makes room for a waiting
   * send, else disposes (or, if a merge may hold it, closes) a receiver.
   */
  unblock(): void {
    const actor = this.world.current.findIndex((c) => c !== undefined);
    if (actor >= 0) {
      this.exec(-1, { op: "abort", actor });
      return;
    }
    for (const [ch, runner] of this.runners.entries()) {
      const m = runner.model;
      const live = m.senders.findIndex((s) => !s.disposed);
      const room = !m.rxClosed && (!runner.bounded || m.free > 0);
      if (m.receivers.length > 0 && live >= 0 && room) {
        const cmd: Command = runner.bounded
          ? { op: "trySend", tx: live }
          : { op: "send", tx: live, signal: "none" };
        this.exec(-1, { op: "at", ch, cmd });
        return;
      }
    }
    for (const [ch, runner] of this.runners.entries()) {
      const m = runner.model;
      if (m.waiters.length > 0 && m.queue.length > 0) {
        this.exec(-1, { op: "at", ch, cmd: { op: "tryRecv" } });
        return;
      }
    }
    for (const [ch, runner] of this.runners.entries()) {
      const m = runner.model;
      const waits = m.receivers.length + m.waiters.length +
        m.closedWaiters.length;
      if (!runner.rxDisposed && waits > 0) {
        this.exec(-1, { op: "at", ch, cmd: { op: "disposeRx" } });
        return;
      }
    }
    throw new Error(`actors stuck:\n${this.world.trace.join("\n")}`);
  }

  spendBudget(): void {
    this.first.spendBudget();
  }

  endActor(actor: number): void {
    const mg = this.merges[actor];
    if (mg === undefined) return;
    // A loop left early: nothing more is taken.
    this.leave(mg);
    this.merges[actor] = undefined;
    void mg.gen.return();
  }

  teardown(): void {
    for (const runner of this.runners) runner.teardown();
  }

  checkBooks(): void {
    for (const runner of this.runners) runner.checkBooks();
  }
}

/** Runs a program over several channels, with selects and merges. */
export async function runMultiProgram(
  turns: Turns,
  program: MultiProgram,
): Promise<void> {
  await drive(turns, new MultiRunner(program.capacities), program.actors);
}
