// Copyright 2026 the @seed/mpsc authors. MIT license.
// Runs a program over several channels against their models: each channel
// has its runner, and selects and merges span them.

import {
  merge,
  type Permit,
  type Receiver,
  select,
  type Sender,
} from "../../mod.ts";
import { drive, type Driver } from "./drive.ts";
import {
  MSelect,
  type MSender,
  type Outcome,
  type Rec,
  type RecvWaiter,
  type SendWaiter,
} from "./model.ts";
import {
  type BranchSpec,
  type MultiCommand,
  type MultiProgram,
  POOL,
} from "./multi_programs.ts";
import {
  AbortReason,
  idOf,
  kindOf,
  PromiseRejection,
  tally,
} from "./outcomes.ts";
import type { Command, Turns } from "./programs.ts";
import { type AnyReceiver, type AnySender, Runner, World } from "./runner.ts";

// A branch of one real select, and its counterpart in the model.
interface Br {
  key: string;
  ch: number;
  runner: Runner;
  side: "rx" | "tx" | "promise" | "off";
  // The pool's promise ("promise"), or what switches the branch off.
  p?: number;
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

/**
 * One promise of a program's pool, real and modelled. The real select
 * knows a promise's outcome once a select subscribed to it (waited on it)
 * and the promise settled: a microtask later, which is always before the
 * next turn. From then on the promise is ready at the call.
 */
interface PoolPromise {
  promise: Promise<number>;
  resolve: (value: number) => void;
  reject: (reason: unknown) => void;
  state: "pending" | "fulfilled" | "rejected";
  subscribed: boolean;
  // The selects waiting on it, with their branch's key.
  waiting: { sel: MSelect; key: string }[];
}

/** What switches a branch off: `undefined`, `null` or `false`. */
const OFF = [undefined, null, false] as const;

/** Runs a program over several channels against the model. */
class MultiRunner implements Driver<MultiCommand> {
  readonly world = new World();
  readonly runners: Runner[];
  readonly merges: (MergeState | undefined)[] = [];
  readonly pool: PoolPromise[] = [];

  constructor(capacities: (number | undefined)[]) {
    this.runners = capacities.map((capacity, ch) =>
      new Runner(capacity, this.world, `ch${ch} `)
    );
    for (let p = 0; p < POOL; p++) {
      let resolve!: (value: number) => void;
      let reject!: (reason: unknown) => void;
      const promise = new Promise<number>((yes, no) => {
        resolve = yes;
        reject = no;
      });
      // A rejection no select waited for is nobody's to report.
      promise.catch(() => {});
      this.pool.push({
        promise,
        resolve,
        reject,
        state: "pending",
        subscribed: false,
        waiting: [],
      });
    }
    // The last two are settled from the start, not yet seen by any select.
    this.pool[2]!.resolve(102);
    this.pool[2]!.state = "fulfilled";
    this.pool[3]!.reject(new PromiseRejection(3));
    this.pool[3]!.state = "rejected";
  }

  /** A promise branch's outcome, once its promise is known settled. */
  promiseOutcome(p: number): Outcome {
    return this.pool[p]!.state === "fulfilled"
      ? `value ${100 + p}`
      : `rejected p${p}`;
  }

  /**
   * The pool's promise `p` settled where a select subscribed to it: every
   * select still waiting on it wins with it.
   */
  fire(p: number): void {
    const pp = this.pool[p]!;
    const outcome = this.promiseOutcome(p);
    const waiting = pp.waiting;
    pp.waiting = [];
    for (const { sel, key } of waiting) {
      if (sel.promises === 0) continue; // it won elsewhere, or was aborted
      sel.win(undefined);
      sel.onOutcome(key, outcome);
    }
  }

  settle(actor: number, cmd: MultiCommand & { op: "settle" }): undefined {
    this.label(actor, cmd);
    const p = cmd.p % POOL;
    const pp = this.pool[p]!;
    if (pp.state !== "pending") return;
    if (cmd.how === "fulfil") {
      pp.resolve(100 + p);
      pp.state = "fulfilled";
    } else {
      pp.reject(new PromiseRejection(p));
      pp.state = "rejected";
    }
    // Its waiting selects learn of it a microtask later, before any turn.
    if (pp.subscribed) this.fire(p);
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
      case "settle":
        return this.settle(actor, cmd);
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
      if (spec.side === "promise" || spec.side === "off") {
        const p = (spec.p ?? 0) % POOL;
        const key = `${spec.side === "promise" ? "p" : "off"}${p}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ key, ch, runner, side: spec.side, p, slot: -1 });
        continue;
      }
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
    if (b.side === "rx") return b.runner.rxDisposed;
    return b.side === "tx" && b.ms!.disposed;
  }

  /**
   * Whether a branch can serve now: a receiver first in line with a
   * message or finished; a sender's channel closed, or room with nobody
   * queued ahead (no barging).
   */
  ready(b: Br): boolean {
    if (b.side === "off") return false;
    if (b.side === "promise") {
      const pp = this.pool[b.p!]!;
      return pp.subscribed && pp.state !== "pending";
    }
    const m = b.runner.model;
    if (b.side === "rx") {
      return m.receivers.length === 0 && (m.queue.length > 0 || m.finished());
    }
    return m.rxClosed || (m.waiters.length === 0 && m.free >= 1);
  }

  /** What a select that a ready branch settles settles with. */
  expect(b: Br): Outcome {
    const outcome = this.take(b);
    return outcome.startsWith("rejected") ? outcome : `${b.key} ${outcome}`;
  }

  /** Takes a ready branch's one thing in the model. */
  take(b: Br): Outcome {
    if (b.side === "promise") return this.promiseOutcome(b.p!);
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
      if (b.side === "off") continue;
      if (b.side === "promise") {
        sel.promises++;
        this.pool[b.p!]!.waiting.push({ sel, key });
        continue;
      }
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
    // The promises' registrations come last and subscribe, in key order: a
    // promise that had settled unseen wins a microtask later.
    for (const b of branches) {
      if (b.side !== "promise") continue;
      const pp = this.pool[b.p!]!;
      if (pp.subscribed) continue;
      pp.subscribed = true;
      if (pp.state !== "pending") this.fire(b.p!);
    }
  }

  /** Books what a real select or merge step took, as the model's outcome. */
  seen(branches: Br[], outcome: SelectSeen): Outcome {
    const b = branches.find((x) => x.key === outcome.key);
    if (b === undefined) return `unknown branch ${outcome.key}`;
    if (outcome.done) return `${b.key} done`;
    if (b.side === "promise") return `${b.key} value ${outcome.value}`;
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
    const off = branches.filter((b) => b.side === "off").length;
    if (off === branches.length) {
      // Nothing to wait on: refused before the signal is looked at.
      rec.expected = "TypeError(off)";
    } else if (branches.some((b) => this.gone(b))) {
      rec.expected = "ReferenceError";
      if (signal?.aborted) rec.either = [`aborted #${rec.id}`];
    } else if (signal?.aborted) rec.expected = `aborted #${rec.id}`;
    else {
      const ready = branches.filter((b) => this.ready(b));
      if (ready.length === 0) {
        waited = true;
        this.register(rec, branches, (key, outcome) => {
          rec.expected = outcome.startsWith("rejected")
            ? outcome
            : `${key} ${outcome}`;
        });
      } else if (cmd.biased || ready.length === 1) {
        rec.expected = this.expect(ready[0]!);
      } else {
        choice = ready;
        // A promise that rejected, if the select picks it, rejects it.
        rec.either = ready.filter((b) => b.side === "promise")
          .map((b) => this.promiseOutcome(b.p!))
          .filter((o) => o.startsWith("rejected"));
      }
    }
    const handles: Record<string, unknown> = {};
    for (const b of branches) {
      handles[b.key] = b.side === "rx"
        ? b.runner.rx
        : b.side === "tx"
        ? b.tx!
        : b.side === "promise"
        ? this.pool[b.p!]!.promise
        : OFF[b.p! % OFF.length];
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
          : this.expect(b);
      }
      if (choice !== undefined) tally("select fair choice");
      return this.seen(branches, outcome);
    }).then(() => {
      const when = waited ? "waited" : "at once";
      const kind = kindOf(rec.actual!);
      tally(`select ${kind} ${when}`);
      if (/^(p\d|rejected)/.test(rec.actual!)) {
        tally(`select promise ${kind} ${when}`);
      }
      if (off > 0) tally("select with a branch off");
    });
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
    // A receiver disposed since the last step ends its branch as if it were
    // drained; the merge ends when none is left, before looking at its
    // signal.
    mg.open = mg.open.filter((ch) => !this.runners[ch]!.rxDisposed);
    if (mg.open.length === 0) {
      this.leave(mg);
      rec.expected = "end";
      return;
    }
    const branches = this.mergeBranches(mg);
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
    // A select waits on a promise nobody settles: settle it.
    const p = this.pool.findIndex((pp) =>
      pp.state === "pending" && pp.waiting.some(({ sel }) => sel.promises > 0)
    );
    if (p >= 0) {
      this.exec(-1, { op: "settle", p, how: "fulfil" });
      return;
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
