// Copyright 2026 the @seed/mpsc authors. MIT license.
// The reference model of one channel: what each call must do, written as
// the outcomes the driver compares with the real calls'.

import { assert, assertStrictEquals } from "@std/assert";

// -- The reference model --

// A call's outcome, written the same way by the model and by the driver.
export type Outcome = string;

export interface Rec {
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
export class Hold {
  uses = 1;
}

export class MSender {
  disposed = false;
  constructor(readonly hold: Hold) {}
}

export class MWeak {
  disposed = false;
}

export type MPermit =
  | { kind: "permit"; hold: Hold; done: boolean }
  | { kind: "owned"; hold: Hold; done: boolean }
  | { kind: "iter"; hold: Hold; remaining: number; disposed: boolean };

export type WaitKind =
  | "send"
  | "sendTimeout"
  | "reserve"
  | "reserveMany"
  | "reserveOwned"
  // A select's branch on a bounded sender: room for one, as `reserve()`.
  | "select";

export interface SendWaiter {
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

export interface RecvWaiter {
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
  // How many promise branches it waits on (their registrations are the
  // driver's); 0 once it won or was aborted.
  promises = 0;
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
    this.promises = 0;
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
    if (
      this.rec.expected !== undefined ||
      (this.nodes.length === 0 && this.promises === 0)
    ) return;
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
export class Model {
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
