// Copyright 2026 the @seed/mpsc authors. MIT license.
// Unit tests for semaphore.ts: the bounded channel's fair batch semaphore
// (first come, first served, no barging, cancel, close, re-entrant grants)
// and the unbounded channel's counter, driven without a channel around them.

import {
  assert,
  assertEquals,
  assertFalse,
  assertStrictEquals,
} from "@std/assert";
import {
  ACQUIRED,
  type Acquirer,
  BatchSemaphore,
  CLOSED,
  Counter,
  NO_PERMITS,
} from "../semaphore.ts";
import type { Waiter } from "../waiter.ts";

/** A waiting call as the semaphore sees it, logging what happens to it. */
class TestAcquirer implements Acquirer {
  prev: Waiter | undefined = undefined;
  next: Waiter | undefined = undefined;
  parked = false;
  acquired = 0;

  constructor(
    readonly name: string,
    readonly needed: number,
    readonly log: string[],
    // Runs inside granted(), as a channel's completion steps would.
    readonly onGranted: () => void = () => {},
  ) {}

  granted(): void {
    this.log.push(`${this.name} granted`);
    this.onGranted();
    this.log.push(`${this.name} done`);
  }

  closed(): void {
    this.log.push(`${this.name} closed`);
  }
}

/** A semaphore of `bound` permits with `held` of them taken. */
function semaphore(bound: number, held: number): BatchSemaphore {
  const sem = new BatchSemaphore(bound);
  assertStrictEquals(sem.tryAcquire(held), ACQUIRED);
  return sem;
}

// -- BatchSemaphore: taking at once --

Deno.test("BatchSemaphore.tryAcquire() takes free permits and refuses a request beyond them without taking any", () => {
  const sem = new BatchSemaphore(3);
  assert(sem.isIdle());
  assertStrictEquals(sem.tryAcquire(2), ACQUIRED);
  assertStrictEquals(sem.available(), 1);
  assertStrictEquals(sem.tryAcquire(2), NO_PERMITS);
  assertStrictEquals(sem.available(), 1);
  assertStrictEquals(sem.tryAcquire(1), ACQUIRED);
  assertStrictEquals(sem.available(), 0);
  assertFalse(sem.isIdle());
  sem.addPermits(3);
  assertStrictEquals(sem.available(), 3);
  assert(sem.isIdle());
});

Deno.test("BatchSemaphore.canAcquireNow() answers as tryAcquire() would, without taking", () => {
  const sem = semaphore(4, 3);
  assert(sem.canAcquireNow(1));
  assertFalse(sem.canAcquireNow(2));
  assertStrictEquals(sem.available(), 1);
  // A waiter takes the free permit and still needs one: nobody else may
  // take any now, not even none at all (no barging).
  const log: string[] = [];
  sem.enqueue(new TestAcquirer("a", 2, log));
  assertFalse(sem.canAcquireNow(0));
  assertStrictEquals(sem.tryAcquire(0), NO_PERMITS);
  sem.close();
  assertFalse(sem.canAcquireNow(0));
  assertStrictEquals(sem.tryAcquire(0), CLOSED);
});

// -- BatchSemaphore: waiters --

Deno.test("BatchSemaphore.enqueue() gives the first waiter the permits free now, and a later one none", () => {
  const sem = semaphore(3, 2);
  const log: string[] = [];
  const a = new TestAcquirer("a", 3, log);
  const b = new TestAcquirer("b", 1, log);
  sem.enqueue(a);
  assertStrictEquals(a.acquired, 1);
  assertStrictEquals(sem.available(), 0);
  sem.enqueue(b);
  assertStrictEquals(b.acquired, 0);
  assertEquals(log, []);
});

Deno.test("BatchSemaphore grants waiters first come, first served: a large request before later small ones", () => {
  const sem = semaphore(4, 4);
  const log: string[] = [];
  const a = new TestAcquirer("a", 3, log);
  const b = new TestAcquirer("b", 1, log);
  sem.enqueue(a);
  sem.enqueue(b);
  // The oldest waiter takes every freed permit until it is complete, even
  // when a later one would be satisfied by fewer.
  sem.addPermits(1);
  assertStrictEquals(a.acquired, 1);
  assertStrictEquals(b.acquired, 0);
  assertEquals(log, []);
  sem.addPermits(3);
  assertEquals(log, ["a granted", "a done", "b granted", "b done"]);
  assertStrictEquals(a.acquired, 3);
  assertStrictEquals(b.acquired, 1);
  assertStrictEquals(sem.available(), 0);
  sem.addPermits(1);
  assertStrictEquals(sem.available(), 1);
});

Deno.test("BatchSemaphore.addPermits() called from inside granted() only adds, and the running loop hands the permit on in order", () => {
  const sem = semaphore(1, 1);
  const log: string[] = [];
  // Granting a freed a permit at once, as a message handed straight to a
  // waiting receive does.
  const a = new TestAcquirer("a", 1, log, () => sem.addPermits(1));
  const b = new TestAcquirer("b", 1, log);
  const c = new TestAcquirer("c", 1, log);
  sem.enqueue(a);
  sem.enqueue(b);
  sem.enqueue(c);
  sem.addPermits(1);
  // b is granted after a's granted() returned, not inside it; c still waits.
  assertEquals(log, ["a granted", "a done", "b granted", "b done"]);
  assertStrictEquals(c.acquired, 0);
  assertStrictEquals(sem.available(), 0);
  sem.addPermits(1);
  assertEquals(log.slice(4), ["c granted", "c done"]);
});

Deno.test("BatchSemaphore.cancel() hands what the waiter had collected to the next, and a second cancel gives nothing", () => {
  const sem = semaphore(3, 3);
  const log: string[] = [];
  const a = new TestAcquirer("a", 3, log);
  const b = new TestAcquirer("b", 1, log);
  sem.enqueue(a);
  sem.enqueue(b);
  sem.addPermits(2);
  assertStrictEquals(a.acquired, 2);
  sem.cancel(a);
  assertStrictEquals(a.acquired, 0);
  assertEquals(log, ["b granted", "b done"]);
  assertStrictEquals(sem.available(), 1);
  // a holds nothing now: cancelling it again gives nothing back. (A granted
  // waiter is never cancelled: its abort listener went when it settled.)
  sem.cancel(a);
  assertStrictEquals(sem.available(), 1);
  assertEquals(log, ["b granted", "b done"]);
});

Deno.test("BatchSemaphore.cancel() of the only waiter leaves the later tryAcquire() free to take", () => {
  const sem = semaphore(2, 1);
  const log: string[] = [];
  const a = new TestAcquirer("a", 2, log);
  sem.enqueue(a);
  assertStrictEquals(sem.tryAcquire(1), NO_PERMITS);
  sem.cancel(a);
  assertStrictEquals(sem.tryAcquire(1), ACQUIRED);
  assertEquals(log, []);
});

// -- BatchSemaphore: closing --

Deno.test("BatchSemaphore.close() fails the waiters oldest first and takes back what they held", () => {
  const sem = semaphore(2, 2);
  const log: string[] = [];
  const a = new TestAcquirer("a", 2, log);
  const b = new TestAcquirer("b", 1, log);
  sem.enqueue(a);
  sem.enqueue(b);
  sem.addPermits(1);
  assertStrictEquals(a.acquired, 1);
  sem.close();
  assertEquals(log, ["a closed", "b closed"]);
  assertStrictEquals(a.acquired, 0);
  assertStrictEquals(sem.available(), 1);
  assert(sem.isClosed());
  assertStrictEquals(sem.tryAcquire(1), CLOSED);
  // Permits still come back (messages are received after a close).
  sem.addPermits(1);
  assertStrictEquals(sem.available(), 2);
  assert(sem.isIdle());
  sem.close();
  assertEquals(log, ["a closed", "b closed"]);
});

// -- BatchSemaphore: messages put back --

Deno.test("BatchSemaphore.reclaim() counts messages put back beyond the bound until they are repaid", () => {
  const sem = new BatchSemaphore(2);
  assertStrictEquals(sem.tryAcquire(2), ACQUIRED);
  sem.addPermits(2);
  // Three received messages go back: one more than the bound.
  sem.reclaim(3);
  assertStrictEquals(sem.available(), 0);
  assertFalse(sem.isIdle());
  assertFalse(sem.canAcquireNow(1));
  sem.addPermits(1);
  assertStrictEquals(sem.available(), 0);
  assertStrictEquals(sem.tryAcquire(1), NO_PERMITS);
  sem.addPermits(2);
  assertStrictEquals(sem.available(), 2);
  assert(sem.isIdle());
});

// -- Counter --

Deno.test("Counter counts queued messages and refuses only once closed", () => {
  const counter = new Counter();
  assert(counter.isIdle());
  assert(counter.canAcquireNow(Number.MAX_SAFE_INTEGER));
  assertStrictEquals(counter.tryAcquire(5), ACQUIRED);
  assertFalse(counter.isIdle());
  counter.addPermits(4);
  assertFalse(counter.isIdle());
  counter.addPermits(1);
  assert(counter.isIdle());
  counter.reclaim(2);
  assertFalse(counter.isIdle());
  counter.addPermits(2);
  assert(counter.isIdle());
  counter.close();
  assert(counter.isClosed());
  assertFalse(counter.canAcquireNow(1));
  assertStrictEquals(counter.tryAcquire(1), CLOSED);
  assert(counter.isIdle());
});
