// Copyright 2026 the @seed/mpsc authors. MIT license.
// A reference model of a channel, and a driver that runs random programs of
// concurrent actors against the real channel and the model side by side.

import {
  assert,
  assertEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { setImmediate } from "node:timers/promises";
import fc from "npm:fast-check@3.23.2";
import { spendBudget as exhaustBudget } from "../budget.ts";
import {
  channel,
  OwnedPermit,
  Permit,
  PermitIterator,
  type Receiver,
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

/** How a call that can wait gets its signal. */
export type Signal = "none" | "live" | "aborted";

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

const SIGNAL = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Signal>("none") },
  { weight: 3, arbitrary: fc.constant<Signal>("live") },
  { weight: 1, arbitrary: fc.constant<Signal>("aborted") },
);
const INDEX = fc.nat({ max: 3 });

function command(bounded: boolean): fc.Arbitrary<Command> {
  const c = <C extends Command>(
    weight: number,
    arbitrary: fc.Arbitrary<C>,
  ) => ({ weight, arbitrary: arbitrary as fc.Arbitrary<Command> });
  const common = [
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

/** Random programs for a bounded (capacity 1 to 16) or unbounded channel. */
export function programs(bounded: boolean): fc.Arbitrary<Program> {
  return fc.record({
    capacity: bounded
      ? fc.oneof(
        fc.constant(1),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 16 }),
      )
      : fc.constant(undefined),
    actors: fc.array(fc.array(command(bounded), { maxLength: 16 }), {
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
  | "reserveOwned";

interface SendWaiter {
  rec: Rec;
  kind: WaitKind;
  need: number;
  got: number;
  hold: Hold;
  value: number | undefined;
  slot: number;
}

interface RecvWaiter {
  rec: Rec;
  // recv(), recvMany(), or a step of the async iterator.
  kind: "recv" | "many" | "next";
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
      this.settle(r.rec, received(r.kind, undefined));
    }
  }

  deliver(value: number): void {
    this.delivered.push(value);
    if (this.rxDropped) {
      this.discarded.push(value);
      return;
    }
    const r = this.receivers.shift();
    if (r === undefined) {
      this.queue.push(value);
      return;
    }
    this.received.push(value);
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
    if (rec.expected !== undefined) return;
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

function describeValue(value: unknown, handle?: unknown): string {
  if (handle !== undefined && value === handle) return "the sender";
  return String(value);
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
}

/** Runs one program against the real channel and the model. */
class Runner {
  readonly model: Model;
  readonly rx: AnyReceiver;
  readonly senders: AnySender[] = [];
  readonly weaks: AnyWeak[] = [];
  readonly permits: (AnyPermit | undefined)[] = [];
  readonly recs: Rec[] = [];
  readonly current: (Current | undefined)[] = [];
  readonly received: number[] = [];
  readonly trace: string[] = [];
  // Live abort listeners per signal the program created.
  readonly listeners = new Map<AbortSignal, Set<unknown>>();
  nextValue = 0;

  constructor(capacity: number | undefined) {
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
    return rec;
  }

  // Compares a call that settled at once.
  now(rec: Rec, actual: () => Outcome): void {
    try {
      rec.actual = actual();
    } catch (e) {
      rec.actual = describeError(e);
    }
    assertStrictEquals(rec.actual, rec.expected, `#${rec.id} ${rec.label}`);
  }

  signal(kind: Signal, rec: Rec, actor: number): AbortSignal | undefined {
    if (kind === "none") return undefined;
    if (kind === "aborted") return AbortSignal.abort(new AbortReason(rec.id));
    const controller = new AbortController();
    this.watch(controller.signal);
    this.current[actor] = { rec, controller };
    return controller.signal;
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
  async follow<T>(
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
    const label = `actor ${actor}: ${show(cmd)}`;
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
        m.abort(target.rec, `aborted #${target.rec.id}`);
        target.controller.abort(new AbortReason(target.rec.id));
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
        else if (signal?.aborted) rec.expected = `aborted #${rec.id}`;
        else if (m.rxClosed) rec.expected = "ok";
        else m.closedWaiters.push(rec);
        return this.follow(actor, rec, tx.closed({ signal }), () => "ok");
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
          this.now(
            rec,
            () => ((tx as UnboundedSender<number>).send(value), "ok"),
          );
          return;
        }
        const signal = this.signal(cmd.signal, rec, actor);
        if (ms.disposed) rec.expected = "ReferenceError";
        else if (signal?.aborted) rec.expected = `aborted #${rec.id}`;
        else {
          const got = m.tryAcquire(1);
          if (got === "closed") rec.expected = `SendError(${value})`;
          else if (got === 0) {
            m.deliver(value);
            rec.expected = "ok";
          } else this.wait(rec, "send", 1, hold, value, -1);
        }
        return this.follow(
          actor,
          rec,
          bounded.send(value, { signal }),
          () => "ok",
        );
      }
      case "sendTimeout": {
        const value = this.nextValue++;
        const signal = this.signal(cmd.signal, rec, actor);
        if (ms.disposed) rec.expected = "ReferenceError";
        else if (signal?.aborted) rec.expected = `aborted #${rec.id}`;
        else {
          const got = m.tryAcquire(1);
          if (got === "closed") {
            rec.expected = `SendTimeoutError(closed, ${value})`;
          } else if (got === 0) {
            m.deliver(value);
            rec.expected = "ok";
          } else if (cmd.ms === 0) {
            rec.expected = `SendTimeoutError(timeout, ${value})`;
          } else this.wait(rec, "sendTimeout", 1, hold, value, -1);
        }
        return this.follow(
          actor,
          rec,
          bounded.sendTimeout(value, cmd.ms, { signal }),
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
        this.now(rec, () => (bounded.trySend(value), "ok"));
        return;
      }
      case "reserve":
      case "reserveMany":
      case "reserveOwned": {
        const n = cmd.op === "reserveMany" ? cmd.n : 1;
        const slot = this.newSlot();
        const signal = this.signal(cmd.signal, rec, actor);
        if (ms.disposed) rec.expected = "ReferenceError";
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
        const promise: Promise<AnyPermit> = cmd.op === "reserve"
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
        if (mp.remaining > 0) {
          m.releasePermits(mp.remaining);
          mp.remaining = 0;
          m.release(mp.hold);
        }
        mp.disposed = true;
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
    if (mp.done) rec.expected = "ReferenceError";
    else {
      mp.done = true;
      if (cmd.action === "send") {
        const value = this.nextValue;
        m.deliver(value);
        if (mp.kind === "permit") m.release(mp.hold);
      } else m.releasePermits(1);
      if (mp.kind === "owned") m.senders.push(new MSender(mp.hold));
      rec.expected = "ok";
    }
    const value = this.nextValue++;
    this.now(rec, () => {
      if (permit instanceof Permit) {
        permit.send(value);
        return "ok";
      }
      const owned = permit as OwnedPermit<number>;
      this.senders.push(
        cmd.action === "send" ? owned.send(value) : owned.release(),
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
        if (gone) rec.expected = "ReferenceError";
        else if (signal?.aborted) rec.expected = `aborted #${rec.id}`;
        else if (m.queue.length > 0) {
          const value = m.take();
          m.releasePermits(1);
          rec.expected = `value ${value}`;
        } else if (m.finished()) rec.expected = "value undefined";
        else m.receivers.push({ rec, kind: "recv" });
        return this.follow(actor, rec, rx.recv({ signal }), (value) => {
          if (value !== undefined) this.received.push(value);
          return `value ${value}`;
        });
      }
      case "recvMany": {
        const signal = this.signal(cmd.signal, rec, actor);
        if (gone) rec.expected = "ReferenceError";
        else if (signal?.aborted) rec.expected = `aborted #${rec.id}`;
        else if (cmd.limit === 0) rec.expected = "0 []";
        else if (m.queue.length > 0) {
          const count = Math.min(cmd.limit, m.queue.length);
          const values = [];
          for (let i = 0; i < count; i++) values.push(m.take());
          m.releasePermits(count);
          rec.expected = `${count} [${values}]`;
        } else if (m.finished()) rec.expected = "0 []";
        else m.receivers.push({ rec, kind: "many" });
        // A marker in front proves that recvMany only appends.
        const buffer = [-1];
        return this.follow(
          actor,
          rec,
          rx.recvMany(buffer, cmd.limit, { signal }),
          (n) => {
            assertStrictEquals(
              buffer[0],
              -1,
              "recvMany() changed what the buffer held",
            );
            const appended = buffer.slice(1);
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
        const step = (async () => await rx[Symbol.asyncIterator]().next())();
        return this.follow(actor, rec, step, (result) => {
          if (result.done) return "done";
          this.received.push(result.value);
          return `value ${result.value}`;
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
          const value = rx.tryRecv();
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
      `${when}: ${what}\n${this.trace.join("\n")}`;
    for (const rec of this.recs) {
      assertStrictEquals(
        rec.actual,
        rec.expected,
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
      assertStrictEquals(this.model.txCount, 0, "senders left after teardown");
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
 * Runs `program`: each actor takes its turns when `turns` lets it, and the
 * real channel is compared with the model after every turn, once every
 * reaction to that turn has run.
 */
export async function runProgram(
  turns: Turns,
  program: Program,
): Promise<void> {
  const runner = new Runner(program.capacity);
  let failure: unknown = undefined;
  let done = 0;
  const actors = program.actors;
  runner.current.length = actors.length;
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
          `actor ${actor}: ${spend ? "(budget spent) " : ""}${show(cmd)}`,
        );
        if (spend) runner.spendBudget();
        spend = false;
        const waiting = runner.exec(actor, cmd);
        if (waiting !== undefined) await waiting;
      }
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
    // Every actor left waits on the channel: unblock one, and go on.
    assertStrictEquals(
      runner.rxDisposed,
      false,
      `actors stuck:\n${runner.trace.join("\n")}`,
    );
    runner.unblock();
  }
  runner.teardown();
  await setImmediate();
  runner.check("after teardown");
  runner.checkBooks();
}
