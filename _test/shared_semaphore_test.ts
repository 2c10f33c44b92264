// Copyright 2026 the @seed/mpsc authors. MIT license.
// Exhaustive interleavings of the shared semaphore's atomic steps, with the real code, by replay.
//
// The semaphore's methods make several atomic accesses each (a load, then
// a compare-and-exchange that checks it, and so on), so, unlike the list's,
// they cannot be split into one-access methods. This test cuts them at
// every access instead, by replay: a thread's state is its method call and
// the results its atomic accesses returned so far. To take a step, the
// method runs again from the start on the shared memory as it is, the
// recorded accesses return their recorded results without touching memory,
// the next access is performed for real and recorded, and the method is
// stopped right after it. The methods touch shared memory only through
// their `AtomicOps`, and compute nothing else that persists, so the rerun
// reaches exactly the state the thread was in: each step is one atomic
// access of the real code, interleaved with every other thread's.
//
// A depth-first search over the memoised states runs every interleaving,
// up to two mid-call preemptions (see PREEMPTIONS), of two waiting senders
// (one of which may give up), a thread that frees a permit, a sender that
// tries without waiting, and a close, and checks: tickets are granted in
// order (no ticket granted while an older one still waits), a waiter that
// gave up took nothing, no permit is lost or made up, and no waiter sleeps
// while a permit is free.

import { assert } from "@std/assert";
import {
  type AtomicOps,
  initialize,
  type Layout,
  layoutOf,
  W_HEAD_TICKET,
  W_NEXT_TICKET,
  W_OVERFLOW,
  W_PERMITS,
  W_RING_MOVED,
} from "../shared_layout.ts";
import {
  ACQUIRED,
  CLOSED,
  entryOf,
  GRANTED,
  PENDING,
  RING_CLOSED,
  RING_FULL,
  SharedSemaphore,
} from "../shared_semaphore.ts";

class Pause {}
const PAUSE = new Pause();
const BOUND = new Pause();

/**
 * The most atomic accesses one call may make in the search. The methods are
 * lock-free, not wait-free: a compare-and-exchange that another thread's
 * change made fail is retried, so two threads can keep each other retrying
 * for ever, and an unbounded search never ends. Every call here completes
 * in well under this many accesses when nobody interferes.
 */
const MAX_ACCESSES = 64;

/**
 * The other bound, as CHESS bounds its searches: how many times a thread
 * may be stopped in the middle of a call to let another run. Switching
 * threads between calls is free. Every interleaving with at most this many
 * mid-call switches is explored; in practice races need one or two.
 */
const PREEMPTIONS = 2;

/** Atomics that replay recorded results, then perform one access. */
class ReplayOps implements AtomicOps {
  log: number[];
  #at = 0;
  #fresh = true;

  constructor(log: number[]) {
    this.log = log.slice();
  }

  #access(perform: () => number): number {
    if (this.#at < this.log.length) return this.log[this.#at++]!;
    if (!this.#fresh) throw PAUSE;
    // The bound of the search: a call that has retried this often while
    // others kept changing its words is not run further.
    if (this.log.length === MAX_ACCESSES) throw BOUND;
    this.#fresh = false;
    const result = perform();
    this.log.push(result);
    this.#at++;
    return result;
  }

  load(a: Int32Array, i: number): number {
    return this.#access(() => Atomics.load(a, i));
  }
  store(a: Int32Array, i: number, v: number): number {
    return this.#access(() => Atomics.store(a, i, v));
  }
  add(a: Int32Array, i: number, v: number): number {
    return this.#access(() => Atomics.add(a, i, v));
  }
  sub(a: Int32Array, i: number, v: number): number {
    return this.#access(() => Atomics.sub(a, i, v));
  }
  or(a: Int32Array, i: number, v: number): number {
    return this.#access(() => Atomics.or(a, i, v));
  }
  and(a: Int32Array, i: number, v: number): number {
    return this.#access(() => Atomics.and(a, i, v));
  }
  exchange(a: Int32Array, i: number, v: number): number {
    return this.#access(() => Atomics.exchange(a, i, v));
  }
  compareExchange(a: Int32Array, i: number, e: number, r: number): number {
    return this.#access(() => Atomics.compareExchange(a, i, e, r));
  }
  notify(): number {
    return 0;
  }
}

/** What each kind of thread does, one method call per program counter. */
type Kind =
  | "waiter"
  | "holder"
  | "quitter"
  | "releaser"
  | "trier"
  | "taker"
  | "closer"
  | "overflower";

interface Thread {
  kind: Kind;
  pc: number;
  /** The atomic results of the method call in progress. */
  log: number[];
  ticket: number;
  /** Permits this thread holds. */
  held: number;
  /** How it ended: granted, quit (took nothing), closed, full, done. */
  outcome: string;
  /**
   * For a linearizability check: the threads (a bit each) whose call had
   * ended when this thread's call began, and whether it has begun.
   */
  after: number;
  begun: boolean;
  /** The word value an overflower sleeps on. */
  seen: number;
}

interface State {
  i32: Int32Array;
  threads: Thread[];
  /** The thread that took the last step. */
  last: number;
  /** How many times a thread was stopped in the middle of a call. */
  preemptions: number;
}

const CAPACITY = 1;
// The search's layout; `explore` may shrink the ticket ring.
let layout: Layout = layoutOf(CAPACITY, 8, 1);
let WORDS: number[] = [];
/** The first ticket the search hands out (to test the numbers wrapping). */
let firstTicket = 0;
/**
 * The word an overflower sleeps on: the real one, or the head ticket, as an
 * earlier version did (a close does not move it).
 */
let sleepWord = W_RING_MOVED;

function keyOf(s: State): string {
  return `${s.last}:${s.preemptions}|` +
    WORDS.map((w) => s.i32[w]).join(",") + "|" +
    s.threads.map((t) =>
      `${t.pc}:${
        t.log.join(".")
      }:${t.ticket}:${t.held}:${t.outcome}:${t.after}:${t.begun}:${t.seen}`
    ).join("|");
}

function clone(s: State): State {
  return {
    i32: s.i32.slice(),
    threads: s.threads.map((t) => ({ ...t, log: t.log.slice() })),
    last: s.last,
    preemptions: s.preemptions,
  };
}

class Violation extends Error {}

function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Violation(what);
}

/**
 * Runs `call` as one step: returns its result if it completed, or PAUSE
 * (with the thread's log one longer) if it stopped after an access.
 */
function run<R>(
  thread: Thread,
  i32: Int32Array,
  call: (sem: SharedSemaphore) => R,
): R | Pause {
  if (!thread.begun) {
    thread.begun = true;
    thread.after = ended;
  }
  const ops = new ReplayOps(thread.log);
  const sem = new SharedSemaphore(i32, layout, ops);
  try {
    const result = call(sem);
    thread.log = [];
    return result;
  } catch (error) {
    if (error === BOUND) return BOUND;
    if (error !== PAUSE) throw error;
    thread.log = ops.log;
    return PAUSE;
  }
}

/** A step the bound of the search cut off. */
const CUT = "cut";

// The threads whose calls have ended in the state being stepped (a bit
// each), for `run` to record when a call begins.
let ended = 0;

/** One step of thread `k`; undefined if it cannot move. */
function step(s: State, k: number): State | typeof CUT | undefined {
  const n = clone(s);
  const t = n.threads[k]!;
  const i32 = n.i32;
  if (t.outcome !== "") return undefined;
  if (k !== s.last && s.threads[s.last]!.log.length > 0) {
    // The last thread is in the middle of a call: switching is a preemption.
    if (s.preemptions === PREEMPTIONS) return CUT;
    n.preemptions++;
  }
  n.last = k;
  ended = 0;
  n.threads.forEach((u, i) => {
    if (u.outcome !== "") ended |= 1 << i;
  });
  switch (t.kind) {
    case "waiter":
    case "holder":
    case "quitter": {
      if (t.pc === 0) {
        const r = run(t, i32, (sem) => sem.enqueue());
        if (r instanceof Pause) return r === BOUND ? CUT : n;
        if (r === RING_CLOSED) {
          t.outcome = "closed";
          return n;
        }
        assert(r >= 0, "the ring has room");
        t.ticket = r;
        t.pc = 1;
        return n;
      }
      if (t.pc === 1) {
        // Waiting: look at the ticket (a quitter may give up instead).
        const r = run(t, i32, (sem) => sem.poll(t.ticket));
        if (r instanceof Pause) return r === BOUND ? CUT : n;
        if (r === ACQUIRED) {
          t.held++;
          if (t.kind === "holder") {
            // Keeps the permit: its message stays in the channel.
            t.outcome = "granted";
          } else {
            t.pc = 3; // Release it later, as a receiver would.
          }
          return n;
        }
        if (r === CLOSED) {
          t.outcome = "closed";
          return n;
        }
        // Still pending: it would sleep, or a quitter gives up.
        if (t.kind === "quitter") {
          t.pc = 2;
          return n;
        }
        return undefined;
      }
      if (t.pc === 2) {
        const r = run(t, i32, (sem) => sem.cancel(t.ticket));
        if (r instanceof Pause) return r === BOUND ? CUT : n;
        if (r) {
          t.outcome = "quit";
        } else {
          // Granted first: the grant is final; hand the permit on.
          t.held++;
          t.pc = 3;
        }
        return n;
      }
      if (t.pc === 3) {
        const r = run(t, i32, (sem) => sem.release(1));
        if (r instanceof Pause) return r === BOUND ? CUT : n;
        t.held--;
        t.outcome = "granted";
        return n;
      }
      return undefined;
    }
    case "releaser": {
      const r = run(t, i32, (sem) => sem.release(1));
      if (r instanceof Pause) return r === BOUND ? CUT : n;
      t.held--;
      t.outcome = "done";
      return n;
    }
    case "trier": {
      if (t.pc === 0) {
        const r = run(t, i32, (sem) => sem.tryAcquire());
        if (r instanceof Pause) return r === BOUND ? CUT : n;
        if (r === ACQUIRED) {
          t.held++;
          t.pc = 1;
        } else {
          t.outcome = r === CLOSED ? "closed" : "full";
        }
        return n;
      }
      const r = run(t, i32, (sem) => sem.release(1));
      if (r instanceof Pause) return r === BOUND ? CUT : n;
      t.held--;
      t.outcome = "done";
      return n;
    }
    case "taker": {
      // Tries once and keeps what it got.
      const r = run(t, i32, (sem) => sem.tryAcquire());
      if (r instanceof Pause) return r === BOUND ? CUT : n;
      if (r === ACQUIRED) {
        t.held++;
        t.outcome = "granted";
      } else {
        t.outcome = r === CLOSED ? "closed" : "full";
      }
      return n;
    }
    case "overflower": {
      // A sender that finds the ring full: announces itself, tries once
      // more, sleeps until the word moves, and keeps what it gets.
      if (t.pc === 0) {
        const r = run(t, i32, (sem) => {
          if (sleepWord === W_RING_MOVED) return sem.beginRingWait();
          sem.beginRingWait();
          return sem.ops.load(sem.i32, W_HEAD_TICKET);
        });
        if (r instanceof Pause) return r === BOUND ? CUT : n;
        t.seen = r;
        t.pc = 1;
        return n;
      }
      if (t.pc === 1) {
        const r = run(t, i32, (sem) => sem.enqueue());
        if (r instanceof Pause) return r === BOUND ? CUT : n;
        if (r === RING_FULL) {
          t.pc = 2;
        } else if (r === RING_CLOSED) {
          t.pc = 3;
          t.outcome = "";
          t.ticket = -2;
        } else {
          t.ticket = r;
          t.pc = 3;
        }
        return n;
      }
      if (t.pc === 2) {
        // Asleep until the word moves (Atomics.wait returns at once if it
        // already has).
        if (i32[sleepWord] === t.seen) return undefined;
        t.pc = 3;
        t.ticket = -1;
        return n;
      }
      if (t.pc === 3) {
        const r = run(t, i32, (sem) => sem.endRingWait());
        if (r instanceof Pause) return r === BOUND ? CUT : n;
        if (t.ticket === -2) {
          t.outcome = "closed";
        } else if (t.ticket === -1) {
          t.pc = 0; // Woken: try again.
        } else {
          t.pc = 4;
        }
        return n;
      }
      // Holding a ticket: wait for it, and keep the permit.
      const r = run(t, i32, (sem) => sem.poll(t.ticket));
      if (r instanceof Pause) return r === BOUND ? CUT : n;
      if (r === ACQUIRED) {
        t.held++;
        t.outcome = "granted";
        return n;
      }
      if (r === CLOSED) {
        t.outcome = "closed";
        return n;
      }
      return undefined;
    }
    case "closer": {
      const r = run(t, i32, (sem) => sem.close());
      if (r instanceof Pause) return r === BOUND ? CUT : n;
      t.outcome = "done";
      return n;
    }
  }
}

/** The state of ticket `ticket`'s entry: GRANTED, PENDING or other. */
function entryState(i32: Int32Array, ticket: number): number {
  const entry = i32[layout.ticketsAt + (ticket & (layout.ticketEntries - 1))]!;
  if (entry >>> 3 !== entryOf(ticket, 0) >>> 3) return -1;
  const state = entry & 7;
  return state === GRANTED ? GRANTED : state <= 1 ? PENDING : -1;
}

function invariants(s: State): void {
  // In order: no ticket is granted while an older one still waits.
  const issued = s.i32[W_NEXT_TICKET]!;
  let waiting = false;
  for (let t = firstTicket; t !== issued; t = (t + 1) | 0) {
    const state = entryState(s.i32, t);
    if (state === PENDING) waiting = true;
    check(
      !(waiting && state === GRANTED),
      "no ticket is granted while an older one waits",
    );
  }
}

function final(s: State): void {
  // Without a releaser, the one permit is held outside the search.
  const outside = s.threads.some((t) => t.kind === "releaser") ? 0 : 1;
  const held = s.threads.reduce((sum, t) => sum + t.held, outside);
  const free = s.i32[W_PERMITS]! >> 2;
  check(
    free + held === CAPACITY,
    `no permit lost or made up (${free} free, ${held} held)`,
  );
  const closed = (s.i32[W_PERMITS]! & 1) === 1;
  for (const t of s.threads) {
    if (t.outcome === "") {
      // Only a waiter may still wait, and only on a closed channel or
      // with no permit free; anything else is a lost wake-up.
      if (t.kind === "overflower") {
        // Asleep for room in the ring: only while the ring is full and
        // the channel open; or waiting on its ticket as a waiter would.
        const queued = (s.i32[W_NEXT_TICKET]! - s.i32[W_HEAD_TICKET]!) | 0;
        check(
          (t.pc === 2 && !closed && queued >= layout.ticketEntries) ||
            (t.pc === 4 && (closed || free === 0)),
          `overflower stuck at step ${t.pc} (${
            closed ? "closed" : "open"
          }, ${queued} ticket(s) queued): a lost wake-up`,
        );
        continue;
      }
      check(
        t.pc === 1 && (closed || free === 0),
        `${t.kind} stuck at step ${t.pc} with ${free} permit(s) free`,
      );
    }
  }
  linearizable(s);
}

/**
 * For searches of releasers and takers only: some order of their calls,
 * consistent with which call ended before which began, gives each taker
 * the outcome it got from a sequential semaphore. (A taker that reported
 * "full" while a permit was free and nobody took it fails this.)
 */
function linearizable(s: State): void {
  const threads = s.threads;
  if (!threads.every((t) => t.kind === "releaser" || t.kind === "taker")) {
    return;
  }
  const n = threads.length;
  const order: number[] = [];
  const placed = new Set<number>();
  const search = (free: number): boolean => {
    if (order.length === n) return true;
    for (let k = 0; k < n; k++) {
      if (placed.has(k)) continue;
      const t = threads[k]!;
      // Every call that ended before this one began comes first.
      let ready = true;
      for (let j = 0; j < n; j++) {
        if ((t.after >> j) & 1 && !placed.has(j)) ready = false;
      }
      if (!ready) continue;
      let next = free;
      if (t.kind === "releaser") next++;
      else if (t.outcome === "granted") {
        if (free === 0) continue;
        next--;
      } else if (t.outcome === "full" && free > 0) continue;
      placed.add(k);
      order.push(k);
      if (search(next)) return true;
      order.pop();
      placed.delete(k);
    }
    return false;
  };
  check(
    search(0),
    `no sequential order explains ${
      threads.map((t) => `${t.kind}: ${t.outcome}`).join(", ")
    }`,
  );
}

interface Options {
  /** Entries in the ticket ring (256 in a channel). */
  ticketEntries?: number;
  /** The first ticket number handed out. */
  firstTicket?: number;
  /** The word overflowers sleep on. */
  sleepWord?: number;
}

function explore(kinds: Kind[], options: Options = {}): number {
  layout = layoutOf(CAPACITY, 8, 1, undefined, options.ticketEntries ?? 256);
  WORDS = [W_PERMITS, W_NEXT_TICKET, W_HEAD_TICKET, W_OVERFLOW, W_RING_MOVED];
  for (let e = 0; e < Math.min(4, layout.ticketEntries); e++) {
    WORDS.push(layout.ticketsAt + e);
  }
  firstTicket = options.firstTicket ?? 0;
  sleepWord = options.sleepWord ?? W_RING_MOVED;
  const i32 = new Int32Array(layout.byteLength >> 2);
  initialize(i32, layout);
  i32[W_NEXT_TICKET] = i32[W_HEAD_TICKET] = firstTicket;
  // The one permit starts held by the releaser: the channel is full.
  i32[W_PERMITS] = 0;
  const threads: Thread[] = kinds.map((kind) => ({
    kind,
    pc: 0,
    log: [],
    ticket: -1,
    held: kind === "releaser" ? 1 : 0,
    outcome: "",
    after: 0,
    begun: false,
    seen: 0,
  }));
  const start: State = { i32, threads, last: 0, preemptions: 0 };
  const seen = new Set<string>([keyOf(start)]);
  const stack = [start];
  while (stack.length > 0) {
    const s = stack.pop()!;
    let moved = false;
    for (let k = 0; k < s.threads.length; k++) {
      const next = step(s, k);
      if (next === undefined) continue;
      moved = true;
      if (next === CUT) continue;
      invariants(next);
      const key = keyOf(next);
      if (seen.has(key)) continue;
      seen.add(key);
      stack.push(next);
    }
    if (!moved) final(s);
  }
  return seen.size;
}

// -- Exhaustive interleavings (bounded) --

Deno.test("SharedSemaphore: two waiters and a releaser, in every interleaving: the older ticket is granted first", () => {
  const states = explore(["holder", "holder", "releaser"]);
  assert(states > 10_000, `explored ${states} states`);
});

Deno.test("SharedSemaphore: a waiter that gives up, racing a grant, takes nothing or hands the permit on", () => {
  const states = explore(["holder", "quitter", "releaser"]);
  assert(states > 10_000, `explored ${states} states`);
});

Deno.test("SharedSemaphore: a sender that tries while another waits does not take its permit for good", () => {
  const states = explore(["holder", "trier", "releaser"]);
  assert(states > 1000, `explored ${states} states`);
});

Deno.test("SharedSemaphore: a close racing waiters and a release loses no permit and strands no waiter", () => {
  assert(explore(["holder", "releaser", "closer"]) > 1000);
  assert(explore(["quitter", "releaser", "closer"]) > 1000);
});

Deno.test("SharedSemaphore: a close racing a sender that found the ticket ring full wakes it (no lost wake-up)", () => {
  // A ring of one entry: the first ticket fills it.
  const ring = { ticketEntries: 1 };
  assert(explore(["overflower", "overflower", "closer"], ring) > 100);
});

Deno.test("SharedSemaphore: a sender that found the ring full gets a ticket once the ring moves", () => {
  const ring = { ticketEntries: 1 };
  assert(explore(["overflower", "overflower", "releaser"], ring) > 100);
});

Deno.test("SharedSemaphore: ticket numbers wrap (0x3fffffff cancelled is no closed marker, nor 2^31 a negative outcome)", () => {
  for (const firstTicket of [0x3fffffff, 0x1fffffff, 0x7fffffff]) {
    assert(explore(["quitter", "holder", "releaser"], { firstTicket }) > 1000);
  }
});

Deno.test('SharedSemaphore.tryAcquire(): a failing try never makes another see "full" while a permit is free', () => {
  assert(explore(["taker", "taker", "releaser"]) > 10);
});

// -- The search finds bugs --

Deno.test("SharedSemaphore: the search catches a sender sleeping on the head ticket, which a close does not move", () => {
  let caught: unknown;
  try {
    explore(["overflower", "overflower", "closer"], {
      ticketEntries: 1,
      sleepWord: W_HEAD_TICKET,
    });
  } catch (error) {
    caught = error;
  }
  assert(caught instanceof Violation, `caught ${caught}`);
  assert(String(caught).includes("lost wake-up"));
});

Deno.test("SharedSemaphore: the search catches a tryAcquire that subtracts first and gives back", () => {
  const tryAcquire = SharedSemaphore.prototype.tryAcquire;
  SharedSemaphore.prototype.tryAcquire = function (this: SharedSemaphore) {
    // The earlier version: optimistic, so the count reads one low meanwhile.
    const before = this.ops.sub(this.i32, W_PERMITS, 4);
    if ((before & 3) === 0 && before >= 4) return ACQUIRED;
    this.release(1);
    return before & 1 ? CLOSED : 1;
  };
  try {
    let caught: unknown;
    try {
      explore(["taker", "taker", "releaser"]);
    } catch (error) {
      caught = error;
    }
    assert(caught instanceof Violation, `caught ${caught}`);
  } finally {
    SharedSemaphore.prototype.tryAcquire = tryAcquire;
  }
});

Deno.test("SharedSemaphore: the search catches a release that forgets to drain", () => {
  const release = SharedSemaphore.prototype.release;
  SharedSemaphore.prototype.release = function (this: SharedSemaphore, n) {
    // The bug: permits go to the free count even when somebody waits.
    return (this.ops.add(this.i32, W_PERMITS, n * 4) & 1) === 1;
  };
  try {
    let caught: unknown;
    try {
      explore(["holder", "releaser"]);
    } catch (error) {
      caught = error;
    }
    assert(caught instanceof Violation, `caught ${caught}`);
  } finally {
    SharedSemaphore.prototype.release = release;
  }
});
