// Copyright 2026 the @seed/mpsc authors. MIT license.
// Runs one program's commands against a real channel and its model side by
// side (over one channel, or as one channel of several), with hostile user
// code, frozen buffers and fake signals, and checks they agree.

import {
  assert,
  assertEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import {
  setBudgetEnabled,
  spendBudget as exhaustBudget,
} from "../../budget.ts";
import {
  channel,
  OwnedPermit,
  Permit,
  PermitIterator,
  type Receiver,
  type Sender,
  unboundedChannel,
  type UnboundedReceiver,
  type UnboundedSender,
  type WeakSender,
  type WeakUnboundedSender,
} from "../../mod.ts";
import {
  Hold,
  Model,
  type MSelect,
  MSender,
  MWeak,
  type Outcome,
  type Rec,
  type RecvWaiter,
  type WaitKind,
} from "./model.ts";
import {
  AbortReason,
  describeError,
  idOf,
  messageIds,
  tally,
} from "./outcomes.ts";
import { type Command, listenerAction, show, type Signal } from "./programs.ts";

// -- The driver --

export type AnySender = Sender<number> | UnboundedSender<number>;
type AnyWeak = WeakSender<number> | WeakUnboundedSender<number>;
export type AnyReceiver = Receiver<number> | UnboundedReceiver<number>;
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
export class World {
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
export class Runner {
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
    try {
      this.exec(-1, site.action);
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
        // Disposed and emptied at the call, before giving the slots back
        // runs any user code (a delivery's `then` getter, read when the
        // receive is resolved): that code finds it disposed, and disposing
        // it again gives nothing back, as the real iterator drops its
        // reference before giving back. Its sender goes after the slots,
        // as in the real iterator.
        mp.disposed = true;
        const remaining = mp.remaining;
        if (remaining > 0) {
          mp.remaining = 0;
          m.releasePermits(remaining);
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
