// Copyright 2026 the @seed/mpsc authors. MIT license.
// Exhaustive interleavings of the shared block list, as Tokio checks its list with loom.
//
// The real `SharedList` and `SharedSemaphore` code runs here, over a plain
// `Int32Array` (Atomics work on unshared memory too). Each thread's work is
// cut into steps at its atomic accesses: a producer acquires a permit (one
// compare-and-exchange), claims a position (one add), checks its block's
// stamp (one load), writes the slot's bytes (plain writes), sets the ready
// bit (one or), then looks whether the receiver sleeps (one load); the
// receiver loads the ready bits, reads the slot (plain reads), advances (at
// a block's end: two stores recycling the block, which the permit argument
// says nobody else can touch, and which this test checks), and gives the
// permit back (one add). A counting `AtomicOps` asserts that each producer
// step and each receiver load is one atomic access, so the steps are the
// interleaving points of the real code.
//
// A depth-first search runs every step of every thread from every reachable
// state (states are memoised, so every interleaving is covered without
// enumerating the equivalent ones), and checks at each step: a producer
// never writes a slot that holds an unread message, a block is never
// recycled while a producer that claimed a position in it has not set its
// ready bit, and a producer's block is always stamped for its lap; at each
// final state: every message received once, each producer's in its order;
// and that no state is stuck.

import { assert, assertEquals } from "@std/assert";
import {
  type AtomicOps,
  initialize,
  type Layout,
  layoutOf,
  W_HEAD,
  W_PERMITS,
  W_SENDERS,
  W_TAIL,
} from "../shared_layout.ts";
import { SharedList } from "../shared_list.ts";
import { ACQUIRED, SharedSemaphore } from "../shared_semaphore.ts";

/** Atomics that count how many accesses a step makes. */
class CountingOps implements AtomicOps {
  count = 0;
  load(a: Int32Array, i: number): number {
    this.count++;
    return Atomics.load(a, i);
  }
  store(a: Int32Array, i: number, v: number): number {
    this.count++;
    return Atomics.store(a, i, v);
  }
  add(a: Int32Array, i: number, v: number): number {
    this.count++;
    return Atomics.add(a, i, v);
  }
  sub(a: Int32Array, i: number, v: number): number {
    this.count++;
    return Atomics.sub(a, i, v);
  }
  or(a: Int32Array, i: number, v: number): number {
    this.count++;
    return Atomics.or(a, i, v);
  }
  and(a: Int32Array, i: number, v: number): number {
    this.count++;
    return Atomics.and(a, i, v);
  }
  exchange(a: Int32Array, i: number, v: number): number {
    this.count++;
    return Atomics.exchange(a, i, v);
  }
  compareExchange(a: Int32Array, i: number, e: number, r: number): number {
    this.count++;
    return Atomics.compareExchange(a, i, e, r);
  }
  notify(_a: Int32Array, _i: number): number {
    return 0;
  }
}

// Producer program counters.
const ACQUIRE = 0;
const CLAIM = 1;
const CHECK = 2;
const WRITE = 3;
const PUBLISH = 4;
const WAKE = 5;
const LEAVE = 6;
const DONE = 7;
// Receiver program counters.
const PEEK = 0;
const READ = 1;
const ADVANCE = 2;
const RELEASE = 3;
const CONFIRM = 4;
const FINISHED = 5;

interface State {
  i32: Int32Array;
  /** The message each ring slot holds (0: none), as plain memory. */
  data: number[];
  /** Per producer: program counter, messages sent, claimed position. */
  pc: number[];
  sent: number[];
  pos: number[];
  rxPc: number;
  rxIndex: number;
  /** Published slots the receiver saw in one load and has not read yet. */
  rxRun: number;
  /** The message the receiver read and has not yet recorded. */
  received: number[];
}

interface Config {
  producers: number;
  messages: number;
  capacity: number;
  laps: number;
}

function clone(s: State): State {
  return {
    i32: s.i32.slice(),
    data: s.data.slice(),
    pc: s.pc.slice(),
    sent: s.sent.slice(),
    pos: s.pos.slice(),
    rxPc: s.rxPc,
    rxIndex: s.rxIndex,
    rxRun: s.rxRun,
    received: s.received.slice(),
  };
}

/** The words of shared memory the list and semaphore use here. */
function keyWords(layout: Layout): number[] {
  const words = [W_TAIL, W_SENDERS, W_PERMITS];
  for (let k = 0; k < 2 * layout.blockCount; k++) {
    words.push(layout.blocksAt + k);
  }
  for (let slot = 0; slot < layout.ringSlots; slot++) {
    words.push((layout.dataAt + slot * layout.slotStride) >> 2);
  }
  return words;
}

function keyOf(s: State, words: number[]): string {
  return [
    words.map((w) => s.i32[w]).join(","),
    s.data.join(","),
    s.pc.join(","),
    s.sent.join(","),
    s.pos.join(","),
    s.rxPc,
    s.rxIndex,
    s.rxRun,
    s.received.join(","),
  ].join("|");
}

/** Message `n` of producer `p`, never 0. */
function message(p: number, n: number): number {
  return (p + 1) * 1000 + n + 1;
}

class Violation extends Error {}

function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Violation(what);
}

/**
 * Runs one step of thread `t` (producers 0.., the receiver last) from `s`.
 * Returns the next state, or undefined if the thread cannot move (done,
 * or it would sleep).
 */
function step(
  s: State,
  t: number,
  layout: Layout,
  config: Config,
  ops: CountingOps,
): State | undefined {
  const n = clone(s);
  n.i32[W_HEAD] = n.rxIndex;
  const list = new SharedList(n.i32, layout, ops);
  const sem = new SharedSemaphore(n.i32, layout, ops);
  ops.count = 0;
  if (t < config.producers) {
    const pc = n.pc[t]!;
    switch (pc) {
      case ACQUIRE: {
        if (sem.available() === 0) return undefined;
        ops.count = 0;
        check(sem.tryAcquire() === ACQUIRED, "a free permit is taken");
        n.pc[t] = CLAIM;
        break;
      }
      case CLAIM:
        n.pos[t] = list.claim();
        n.pc[t] = CHECK;
        break;
      case CHECK:
        check(
          list.check(n.pos[t]!),
          "a producer's block is stamped for its lap",
        );
        n.pc[t] = WRITE;
        break;
      case WRITE: {
        const slot = list.slotOf(n.pos[t]!);
        check(n.data[slot] === 0, "a producer never overwrites an unread slot");
        n.data[slot] = message(t, n.sent[t]!);
        list.setLength(slot, 8);
        n.pc[t] = PUBLISH;
        break;
      }
      case PUBLISH:
        list.publish(n.pos[t]!);
        n.pc[t] = WAKE;
        break;
      case WAKE:
        list.wakeReceiver();
        n.sent[t]!++;
        n.pos[t] = -1;
        n.pc[t] = n.sent[t] === config.messages ? LEAVE : ACQUIRE;
        break;
      case LEAVE:
        ops.sub(n.i32, W_SENDERS, 1);
        n.pc[t] = DONE;
        break;
      default:
        return undefined;
    }
    // Acquiring loads the permits and the ticket words, then commits with
    // one compare-and-exchange that fails if the permits changed.
    const most = pc === ACQUIRE ? 4 : 1;
    assert(ops.count <= most, `producer step ${pc} made ${ops.count} accesses`);
    return n;
  }
  switch (n.rxPc) {
    case PEEK:
      // As `recvMany` does: one load tells how many slots are published.
      if (n.rxRun > 0 || (n.rxRun = list.readyRun()) > 0) {
        n.rxPc = READ;
      } else if (ops.load(n.i32, W_SENDERS) === 0) {
        n.rxPc = CONFIRM;
      } else {
        return undefined; // It would sleep until a producer moves.
      }
      break;
    case READ: {
      const slot = list.headSlot;
      check(n.data[slot] !== 0, "a ready slot holds a message");
      check(list.length(slot) === 8, "a ready slot's length is written");
      n.received.push(n.data[slot]!);
      n.data[slot] = 0;
      n.rxPc = ADVANCE;
      break;
    }
    case ADVANCE: {
      const before = list.index;
      list.advance();
      if (list.index % layout.blockSlots === 0) {
        // A block was recycled: nobody may still be about to write in it.
        const block = Math.floor(
          (before % layout.ringSlots) / layout.blockSlots,
        );
        for (let p = 0; p < config.producers; p++) {
          if (n.pc[p]! >= CHECK && n.pc[p]! <= PUBLISH) {
            const theirs = Math.floor(
              list.slotOf(n.pos[p]!) / layout.blockSlots,
            );
            check(
              theirs !== block,
              "no block is recycled while a producer can still write it",
            );
          }
        }
      }
      n.rxIndex = list.index;
      n.rxRun--;
      n.rxPc = RELEASE;
      break;
    }
    case RELEASE:
      sem.release(1);
      n.rxPc = PEEK;
      break;
    case CONFIRM:
      n.rxPc = list.ready() ? READ : FINISHED;
      break;
    default:
      return undefined;
  }
  if (n.rxPc !== RELEASE && n.rxPc !== PEEK) {
    assert(ops.count <= 3, `receiver step made ${ops.count} accesses`);
  }
  return n;
}

function explore(config: Config): number {
  const layout = layoutOf(config.capacity, 8, 2, config.laps);
  const i32 = new Int32Array(layout.byteLength >> 2);
  initialize(i32, layout);
  i32[W_SENDERS] = config.producers;
  const start: State = {
    i32,
    data: new Array(layout.ringSlots).fill(0),
    pc: new Array(config.producers).fill(ACQUIRE),
    sent: new Array(config.producers).fill(0),
    pos: new Array(config.producers).fill(-1),
    rxPc: PEEK,
    rxIndex: 0,
    rxRun: 0,
    received: [],
  };
  const words = keyWords(layout);
  const ops = new CountingOps();
  const seen = new Set<string>([keyOf(start, words)]);
  const stack: State[] = [start];
  const threads = config.producers + 1;
  while (stack.length > 0) {
    const s = stack.pop()!;
    let moved = false;
    for (let t = 0; t < threads; t++) {
      const next = step(s, t, layout, config, ops);
      if (next === undefined) continue;
      moved = true;
      const key = keyOf(next, words);
      if (seen.has(key)) continue;
      seen.add(key);
      stack.push(next);
    }
    if (!moved) {
      check(s.rxPc === FINISHED, "no state is stuck");
      check(s.pc.every((pc) => pc === DONE), "every producer finished");
      const expected = config.producers * config.messages;
      check(s.received.length === expected, "every message is received once");
      for (let p = 0; p < config.producers; p++) {
        const mine = s.received.filter((m) => Math.floor(m / 1000) === p + 1);
        assertEquals(
          mine,
          Array.from({ length: config.messages }, (_, k) => message(p, k)),
          "each producer's messages arrive once each, in its order",
        );
      }
    }
  }
  return seen.size;
}

// -- Exhaustive interleavings --

Deno.test("SharedList: every interleaving of 2 producers x 3 messages, capacity 2, 2-slot blocks, positions wrapping each lap", () => {
  const states = explore({ producers: 2, messages: 3, capacity: 2, laps: 1 });
  assert(states > 1000, `explored ${states} states`);
});

Deno.test("SharedList: every interleaving of 2 producers x 4 messages, capacity 3, 2-slot blocks", () => {
  const states = explore({ producers: 2, messages: 4, capacity: 3, laps: 2 });
  assert(states > 1000, `explored ${states} states`);
});

Deno.test("SharedList: every interleaving of 3 producers x 2 messages, capacity 2, 2-slot blocks", () => {
  const states = explore({ producers: 3, messages: 2, capacity: 2, laps: 2 });
  assert(states > 1000, `explored ${states} states`);
});

// -- The search finds bugs --

Deno.test("SharedList: the search catches a ring one block too small", () => {
  // With capacity 4 in a ring of two 2-slot blocks (the spare block
  // missing), a producer can claim a slot in the block the receiver is
  // still reading: the checks must say so.
  const layout = layoutOf(2, 8, 2, 1);
  let caught: unknown;
  try {
    // Pretend the capacity is 4 by giving the semaphore 4 permits.
    exploreWith(layout, { producers: 2, messages: 3, capacity: 4, laps: 1 });
  } catch (error) {
    caught = error;
  }
  assert(caught instanceof Violation, `caught ${caught}`);
});

function exploreWith(layout: Layout, config: Config): void {
  const i32 = new Int32Array(layout.byteLength >> 2);
  initialize(i32, layout);
  i32[W_PERMITS] = config.capacity * 4;
  i32[W_SENDERS] = config.producers;
  const start: State = {
    i32,
    data: new Array(layout.ringSlots).fill(0),
    pc: new Array(config.producers).fill(ACQUIRE),
    sent: new Array(config.producers).fill(0),
    pos: new Array(config.producers).fill(-1),
    rxPc: PEEK,
    rxIndex: 0,
    rxRun: 0,
    received: [],
  };
  const words = keyWords(layout);
  const ops = new CountingOps();
  const seen = new Set<string>();
  const stack: State[] = [start];
  while (stack.length > 0) {
    const s = stack.pop()!;
    for (let t = 0; t <= config.producers; t++) {
      const next = step(s, t, layout, config, ops);
      if (next === undefined) continue;
      const key = keyOf(next, words);
      if (seen.has(key)) continue;
      seen.add(key);
      stack.push(next);
    }
  }
}
