// Copyright 2026 the @seed/mpsc authors. MIT license.
// The floors: channels written by hand as fast as the engine allows, which
// check nothing and cannot be cancelled. They bound what any channel with
// the same shape of API can reach.

import {
  type Adapter,
  type Contender,
  fromAdapter,
  range,
  type Run,
} from "./harness.ts";

/** A resolve function, as `new Promise()` hands it to its executor. */
type Resolve<T> = (value: T) => void;

// The executor below stores its resolve function here, so that making a
// waiting promise allocates no closure (an executor declared at the call
// site would capture `this` and be allocated anew for every wait).
let captured: Resolve<never> | undefined;

// What a send that does not wait returns. Awaiting a promise already
// resolved costs less than awaiting `undefined` (which V8 first wraps in a
// new promise): about 20 against 30 ns here, so a `send()` returning
// nothing would make a slower floor.
const RESOLVED: Promise<void> = Promise.resolve();

function capture(resolve: Resolve<never>): void {
  captured = resolve;
}

/** The smallest power of two at or above `n` (at least 2). */
function powerOfTwo(n: number): number {
  let size = 2;
  while (size < n) size *= 2;
  return size;
}

/**
 * The floor every channel here is measured against: a ring buffer of a
 * power-of-two size, at most one waiting receiver held as its bare resolve
 * function, and a ring of waiting senders (each value beside its resolve
 * function, so a receive moves the first waiting value into the buffer).
 * A `send()` that does not wait allocates nothing: it returns one shared
 * resolved promise, which its caller awaits faster than it would await
 * `undefined` (5 to 10% more messages per second in these scenarios).
 * `recv()` returns a promise, as every channel's receive does. No checks,
 * no cancellation, one message type (numbers), one receive at a time.
 */
export class RingChannel {
  readonly #capacity: number;
  #buffer: number[];
  #mask: number;
  #head = 0;
  #length = 0;
  #receiver: Resolve<number | undefined> | undefined = undefined;
  // Whether the waiting receiver is `next()`, which wants an iterator result.
  #iterating = false;
  #waitValues: number[] = [0, 0];
  #waitResolves: (Resolve<void> | undefined)[] = [undefined, undefined];
  #waitMask = 1;
  #waitHead = 0;
  #waitLength = 0;
  #closed = false;

  /** A channel holding at most `capacity` values (unbounded by default). */
  constructor(capacity = Infinity) {
    this.#capacity = capacity;
    const size = powerOfTwo(Number.isFinite(capacity) ? capacity : 1024);
    this.#buffer = new Array<number>(size).fill(0);
    this.#mask = size - 1;
  }

  /**
   * Sends `value`: hands it to the waiting receiver, or buffers it (both
   * return one shared resolved promise), or returns a promise that resolves
   * once a receive has made room for it.
   */
  send(value: number): Promise<void> {
    const receiver = this.#receiver;
    if (receiver !== undefined) {
      this.#receiver = undefined;
      if (this.#iterating) {
        (receiver as Resolve<unknown>)({ value, done: false });
      } else {
        receiver(value);
      }
      return RESOLVED;
    }
    if (this.#length < this.#capacity) {
      this.#push(value);
      return RESOLVED;
    }
    const promise = new Promise<void>(capture);
    this.#wait(value, captured as Resolve<void>);
    return promise;
  }

  /** Receives the next value, or `undefined` once closed and empty. */
  recv(): Promise<number | undefined> {
    if (this.#length > 0) return Promise.resolve(this.#take());
    if (this.#closed) return Promise.resolve(undefined);
    const promise = new Promise<number | undefined>(capture);
    this.#receiver = captured as Resolve<number | undefined>;
    this.#iterating = false;
    return promise;
  }

  /** Receives the next value as an iterator result, for `for await`. */
  next(): Promise<IteratorResult<number, undefined>> {
    if (this.#length > 0) {
      return Promise.resolve({ value: this.#take(), done: false });
    }
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    const promise = new Promise<IteratorResult<number, undefined>>(capture);
    this.#receiver = captured as Resolve<number | undefined>;
    this.#iterating = true;
    return promise;
  }

  /** The channel is its own iterator. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Takes a buffered value synchronously; the caller checks `length`. */
  take(): number {
    return this.#take();
  }

  /** The number of buffered values. */
  get length(): number {
    return this.#length;
  }

  /** Ends the stream once the buffered values are read. */
  close(): void {
    this.#closed = true;
    const receiver = this.#receiver;
    this.#receiver = undefined;
    if (receiver === undefined) return;
    if (this.#iterating) {
      (receiver as Resolve<unknown>)({ value: undefined, done: true });
    } else {
      receiver(undefined);
    }
  }

  #push(value: number): void {
    if (this.#length === this.#buffer.length) this.#grow();
    this.#buffer[(this.#head + this.#length) & this.#mask] = value;
    this.#length++;
  }

  #take(): number {
    const head = this.#head;
    const value = this.#buffer[head]!;
    this.#head = (head + 1) & this.#mask;
    this.#length--;
    if (this.#waitLength > 0) {
      // The first waiting sender's value takes the freed place.
      const at = this.#waitHead;
      const resolve = this.#waitResolves[at]!;
      this.#waitResolves[at] = undefined;
      this.#waitHead = (at + 1) & this.#waitMask;
      this.#waitLength--;
      this.#push(this.#waitValues[at]!);
      resolve();
    }
    return value;
  }

  #wait(value: number, resolve: Resolve<void>): void {
    if (this.#waitLength === this.#waitValues.length) this.#growWaiters();
    const at = (this.#waitHead + this.#waitLength) & this.#waitMask;
    this.#waitValues[at] = value;
    this.#waitResolves[at] = resolve;
    this.#waitLength++;
  }

  #grow(): void {
    const old = this.#buffer;
    const size = old.length * 2;
    const buffer = new Array<number>(size).fill(0);
    for (let i = 0; i < this.#length; i++) {
      buffer[i] = old[(this.#head + i) & this.#mask]!;
    }
    this.#buffer = buffer;
    this.#mask = size - 1;
    this.#head = 0;
  }

  #growWaiters(): void {
    const values = this.#waitValues;
    const resolves = this.#waitResolves;
    const size = values.length * 2;
    const newValues = new Array<number>(size).fill(0);
    const newResolves = new Array<Resolve<void> | undefined>(size).fill(
      undefined,
    );
    for (let i = 0; i < this.#waitLength; i++) {
      const at = (this.#waitHead + i) & this.#waitMask;
      newValues[i] = values[at]!;
      newResolves[i] = resolves[at];
    }
    this.#waitValues = newValues;
    this.#waitResolves = newResolves;
    this.#waitMask = size - 1;
    this.#waitHead = 0;
  }
}

/**
 * The simplest channel one would write by hand, kept for contrast only: an
 * array read through an index, one pending receiver made by a closure, an
 * array of waiting senders read with `shift()`, and a `send()` that always
 * returns a promise. It is slower than {@linkcode RingChannel}, so ratios
 * against it flatter every channel.
 */
export class ArrayQueueChannel {
  #values: number[] = [];
  #head = 0;
  #receiver: Resolve<number | undefined> | undefined = undefined;
  #senders: Resolve<void>[] = [];
  #closed = false;
  readonly #capacity: number;

  /** A channel holding at most `capacity` values (unbounded by default). */
  constructor(capacity = Infinity) {
    this.#capacity = capacity;
  }

  /** The number of buffered values. */
  get length(): number {
    return this.#values.length - this.#head;
  }

  /** Sends `value`, waiting while the buffer is full. */
  async send(value: number): Promise<void> {
    while (this.length >= this.#capacity) {
      await new Promise<void>((resolve) => this.#senders.push(resolve));
    }
    this.push(value);
  }

  /** Sends `value` without waiting (ignores the capacity). */
  push(value: number): void {
    const receiver = this.#receiver;
    if (receiver !== undefined) {
      this.#receiver = undefined;
      receiver(value);
    } else {
      this.#values.push(value);
    }
  }

  /** Receives the next value, or `undefined` once closed and empty. */
  recv(): Promise<number | undefined> {
    if (this.#head < this.#values.length) {
      return Promise.resolve(this.take());
    }
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#receiver = resolve);
  }

  /** Takes the next value synchronously; the caller checks `length`. */
  take(): number {
    const value = this.#values[this.#head++]!;
    if (this.#head === this.#values.length) {
      this.#values.length = 0;
      this.#head = 0;
    }
    if (this.#senders.length > 0) this.#senders.shift()!();
    return value;
  }

  /** Ends the stream once the buffered values are read. */
  close(): void {
    this.#closed = true;
    const receiver = this.#receiver;
    this.#receiver = undefined;
    receiver?.(undefined);
  }
}

/** Receives from `channel` until it ends; resolves with the sum. */
async function recvAll(
  channel: { recv(): Promise<number | undefined> },
): Promise<number> {
  let sum = 0;
  for (;;) {
    const value = await channel.recv();
    if (value === undefined) return sum;
    sum += value;
  }
}

const ringAdapter: Adapter<RingChannel> = {
  open(capacity) {
    return new RingChannel(capacity);
  },
  async produce(channel, start, end, step) {
    for (let i = start; i < end; i += step) await channel.send(i);
  },
  close(channel) {
    channel.close();
  },
  consume: recvAll,
  async iterate(channel) {
    let sum = 0;
    for await (const value of channel) sum += value;
    return sum;
  },
  fill(channel, messages) {
    for (let i = 0; i < messages; i++) channel.send(i);
  },
  async pingPong(messages) {
    const ping = new RingChannel(1);
    const pong = new RingChannel(1);
    const echoed = (async () => {
      for (let i = 0; i < messages; i++) {
        await pong.send((await ping.recv())!);
      }
    })();
    let sum = 0;
    for (let i = 0; i < messages; i++) {
      await ping.send(i);
      sum += (await pong.recv())!;
    }
    await echoed;
    return sum;
  },
};

/** The name of the floor every ratio is taken against. */
export const RING = "floor: ring";

/** The hand-written ring channel: the floor every ratio is taken against. */
export const ringFloor: Contender = {
  ...fromAdapter(RING, "floor", ringAdapter),
  steady(backlog, messages) {
    const channel = new RingChannel();
    for (let i = 0; i < backlog; i++) channel.send(0);
    return async () => {
      let sum = 0;
      for (let i = 0; i < messages; i++) {
        channel.send(i);
        sum += (await channel.recv())!;
      }
      return sum;
    };
  },
};

async function* arrayQueueValues(
  channel: ArrayQueueChannel,
): AsyncGenerator<number> {
  for (;;) {
    const value = await channel.recv();
    if (value === undefined) return;
    yield value;
  }
}

const arrayQueueAdapter: Adapter<ArrayQueueChannel> = {
  open(capacity) {
    return new ArrayQueueChannel(capacity);
  },
  async produce(channel, start, end, step) {
    for (let i = start; i < end; i += step) await channel.send(i);
  },
  close(channel) {
    channel.close();
  },
  consume: recvAll,
  async iterate(channel) {
    let sum = 0;
    for await (const value of arrayQueueValues(channel)) sum += value;
    return sum;
  },
  fill(channel, messages) {
    for (let i = 0; i < messages; i++) channel.push(i);
  },
  async pingPong(messages) {
    const ping = new ArrayQueueChannel(1);
    const pong = new ArrayQueueChannel(1);
    const echoed = (async () => {
      for (let i = 0; i < messages; i++) {
        await pong.send((await ping.recv())!);
      }
    })();
    let sum = 0;
    for (let i = 0; i < messages; i++) {
      await ping.send(i);
      sum += (await pong.recv())!;
    }
    await echoed;
    return sum;
  },
};

/** The name of the array-queue floor, kept for contrast. */
export const ARRAY_QUEUE = "array queue (for contrast; not a floor)";

/** The hand-written array queue, slower than the ring: for contrast only. */
export const arrayQueueFloor: Contender = fromAdapter(
  ARRAY_QUEUE,
  "floor",
  arrayQueueAdapter,
);

async function awaitEach(messages: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < messages; i++) sum += await Promise.resolve(i);
  return sum;
}

/** The name of the one-promise floor. */
export const PROMISE_FLOOR = "floor: one promise per message";

/**
 * The engine's limit for a receive that returns a promise: one promise
 * created, resolved and awaited per message, and nothing else (no
 * producer at all, so no order either).
 */
export const promiseFloor: Contender = {
  name: PROMISE_FLOOR,
  kind: "floor",
  spsc(messages) {
    return () => awaitEach(messages);
  },
  mpsc(_producers, messages) {
    return () => awaitEach(messages);
  },
  iterate(messages) {
    return () => awaitEach(messages);
  },
  drain(messages) {
    return () => awaitEach(messages);
  },
};

/** The name of the synchronous floor. */
export const SYNC_FLOOR = "floor: sync array";

/**
 * The engine's limit without promises: a plain indexed read of an array
 * already filled (a drain), or a push and an indexed read per message (a
 * queue of constant length).
 */
export const syncFloor: Contender = {
  name: SYNC_FLOOR,
  kind: "floor",
  drain(messages): Run {
    const values = range(messages);
    return () => {
      let sum = 0;
      for (let i = 0; i < values.length; i++) sum += values[i]!;
      return sum;
    };
  },
  steady(backlog, messages): Run {
    const values: number[] = new Array(backlog).fill(0);
    let head = 0;
    return () => {
      let sum = 0;
      for (let i = 0; i < messages; i++) {
        values.push(i);
        sum += values[head]!;
        values[head++] = 0;
      }
      return sum;
    };
  },
};

/**
 * Not a floor: a queue built on `Array.prototype.shift`, to show how such a
 * queue's cost grows with its length.
 */
export const shiftQueue: Contender = {
  name: "array with shift() (for contrast)",
  kind: "floor",
  steady(backlog, messages): Run {
    const values: number[] = new Array(backlog).fill(0);
    return () => {
      let sum = 0;
      for (let i = 0; i < messages; i++) {
        values.push(i);
        sum += values.shift()!;
      }
      return sum;
    };
  },
};
