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
  layoutOf,
  W_HEAD_TICKET,
  W_NEXT_TICKET,
  W_PERMITS,
} from "../shared_layout.ts";
import {
  ACQUIRED,
  CLOSED,
  entryOf,
  GRANTED,
  PENDING,
  RING_CLOSED,
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
type Kind = "waiter" | "holder" | "quitter" | "releaser" | "trier" | "closer";

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
const layout = layoutOf(CAPACITY, 8, 1);
const WORDS = [W_PERMITS, W_NEXT_TICKET, W_HEAD_TICKET];
for (let e = 0; e < 4; e++) WORDS.push(layout.ticketsAt + e);

function keyOf(s: State): string {
  return `${s.last}:${s.preemptions}|` +
    WORDS.map((w) => s.i32[w]).join(",") + "|" +
    s.threads.map((t) =>
      `${t.pc}:${t.log.join(".")}:${t.ticket}:${t.held}:${t.outcome}`
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
  for (let t = 0; t < issued; t++) {
    const state = entryState(s.i32, t);
    if (state === PENDING) waiting = true;
    check(
      !(waiting && state === GRANTED),
      "no ticket is granted while an older one waits",
    );
  }
}

function final(s: State): void {
  const held = s.threads.reduce((sum, t) => sum + t.held, 0);
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
      check(
        t.pc === 1 && (closed || free === 0),
        `${t.kind} stuck at step ${t.pc} with ${free} permit(s) free`,
      );
    }
  }
}

function explore(kinds: Kind[]): number {
  const i32 = new Int32Array(layout.byteLength >> 2);
  initialize(i32, layout);
  // The one permit starts held by the releaser: the channel is full.
  i32[W_PERMITS] = 0;
  const threads: Thread[] = kinds.map((kind) => ({
    kind,
    pc: 0,
    log: [],
    ticket: -1,
    held: kind === "releaser" ? 1 : 0,
    outcome: "",
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

// -- The search finds bugs --

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
