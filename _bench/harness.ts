// Copyright 2026 the @seed/mpsc authors. MIT license.
// The harness every contender runs through: what a contender offers, the
// two orders a producer and a consumer can start in, and the adapter that
// turns one library's own send and receive loops into every scenario.
//
// A scenario method is called outside the timed part to build its inputs
// and returns the timed part: a function that moves the messages and
// resolves with their sum, so the work cannot be optimized away and every
// run checks that nothing was lost.

/** The timed part of one run: resolves with the sum of the messages. */
export type Run = () => Promise<number> | number;

/** Who a contender is, for the report's ratios. */
export type Kind = "module" | "peer" | "floor";

/**
 * Which side starts first.
 *
 * - `"consumer-first"`: the consumer is already waiting on an empty channel
 *   when the producer begins, so each send hands its message to a waiting
 *   receive. This is where a real program's consumer usually is: waiting
 *   for events that arrive over time.
 * - `"producer-first"`: the producer's first send finds no one waiting, so
 *   the consumer then finds messages ready.
 */
export type Order = "consumer-first" | "producer-first";

/** Both orders, the headline first. */
export const ORDERS: readonly Order[] = ["consumer-first", "producer-first"];

/**
 * One contender. A missing method, or one returning `undefined`, means it
 * has no way to do that scenario (no backpressure, no batch receive, ...);
 * the report leaves the row out.
 */
export interface Contender {
  /** The name shown in the tables (with the pinned version of a package). */
  readonly name: string;
  /** Whether it is the module, a peer or a floor. */
  readonly kind: Kind;
  /**
   * One producer awaiting each send, one consumer awaiting each receive.
   * `capacity` undefined means unbounded. The libraries of `loops.ts` run
   * the plain loops a user writes here, the others their adapter's loops.
   */
  spsc?(
    messages: number,
    capacity: number | undefined,
    order: Order,
  ): Run | undefined;
  /** `producers` producers share `messages` into a bounded channel. */
  mpsc?(
    producers: number,
    messages: number,
    capacity: number,
    order: Order,
  ): Run | undefined;
  /** Like unbounded `spsc`, the consumer using `for await`. */
  iterate?(messages: number, order: Order): Run | undefined;
  /** Buffers `messages` (untimed), then the timed part receives them all. */
  drain?(messages: number): Run | undefined;
  /** Fills an unbounded channel with `messages`, then drains it: both timed. */
  burst?(messages: number): Run | undefined;
  /**
   * `messages` round trips through two channels of capacity 1: one side
   * sends a message and awaits the reply, the other sends each back.
   */
  pingPong?(messages: number): Run | undefined;
  /**
   * Buffers `backlog` messages (untimed), then the timed part sends and
   * receives `messages` more one by one, so the queue keeps its length.
   */
  steady?(backlog: number, messages: number): Run | undefined;
}

/**
 * One library's own loops over one kind of channel `C`. Each loop runs
 * inside the adapter's code, so its calls to the library stay monomorphic:
 * the harness calls into an adapter once per run, never per message.
 */
export interface Adapter<C> {
  /** Opens a channel; `undefined` when it cannot have this capacity. */
  open(capacity: number | undefined): C | undefined;
  /** Sends `start`, `start + step`, ... below `end`, awaiting each send. */
  produce(channel: C, start: number, end: number, step: number): Promise<void>;
  /** Ends the stream once every producer is done. */
  close(channel: C): unknown;
  /** Receives until the stream ends; resolves with the sum. */
  consume(channel: C): Promise<number>;
  /** The same with `for await`. */
  iterate?(channel: C): Promise<number>;
  /** Buffers 0 .. messages - 1 synchronously (an unbounded channel). */
  fill?(channel: C, messages: number): void;
  /** Round trips through two channels of capacity 1 (see Contender). */
  pingPong?(messages: number): Promise<number>;
}

/** Starts `consume` and `produce` in `order`; resolves with the sum. */
export async function inOrder(
  order: Order,
  consume: () => Promise<number>,
  produce: () => Promise<unknown>,
): Promise<number> {
  let consumed: Promise<number>;
  let produced: Promise<unknown>;
  if (order === "consumer-first") {
    // An async function runs up to its first await: the consumer is parked
    // on the empty channel before the producer sends anything.
    consumed = consume();
    produced = produce();
  } else {
    produced = produce();
    consumed = consume();
  }
  const sum = await consumed;
  await produced;
  return sum;
}

/** Builds a contender from a library's adapter. */
export function fromAdapter<C>(
  name: string,
  kind: Kind,
  adapter: Adapter<C>,
): Contender {
  return {
    name,
    kind,
    spsc(messages, capacity, order) {
      if (adapter.open(capacity) === undefined) return undefined;
      return () => {
        const channel = adapter.open(capacity)!;
        return inOrder(
          order,
          () => adapter.consume(channel),
          () =>
            adapter.produce(channel, 0, messages, 1).then(() =>
              adapter.close(channel)
            ),
        );
      };
    },
    mpsc(producers, messages, capacity, order) {
      if (adapter.open(capacity) === undefined) return undefined;
      return () => {
        const channel = adapter.open(capacity)!;
        return inOrder(order, () => adapter.consume(channel), () => {
          const tasks: Promise<void>[] = [];
          for (let p = 0; p < producers; p++) {
            tasks.push(adapter.produce(channel, p, messages, producers));
          }
          return Promise.all(tasks).then(() => adapter.close(channel));
        });
      };
    },
    iterate(messages, order) {
      if (adapter.iterate === undefined) return undefined;
      return () => {
        const channel = adapter.open(undefined)!;
        return inOrder(
          order,
          () => adapter.iterate!(channel),
          () =>
            adapter.produce(channel, 0, messages, 1).then(() =>
              adapter.close(channel)
            ),
        );
      };
    },
    drain(messages) {
      if (adapter.fill === undefined) return undefined;
      const channel = adapter.open(undefined)!;
      adapter.fill(channel, messages);
      adapter.close(channel);
      return () => adapter.consume(channel);
    },
    pingPong(messages) {
      if (adapter.pingPong === undefined) return undefined;
      return () => adapter.pingPong!(messages);
    },
  };
}

/**
 * What a producer awaits after a send that returns nothing (an unbounded
 * send that cannot wait): one shared resolved promise, the same thing a
 * library whose `send()` does not wait returns (the ring floor, @std/async).
 * Awaiting `undefined` instead would cost such producers more (V8 wraps it
 * in a new promise first), and measure the harness, not the channel.
 */
export const TURN: Promise<void> = Promise.resolve();

/** The sum of the messages 0 .. n - 1, which every run must produce. */
export function expectedSum(messages: number): number {
  return messages * (messages - 1) / 2;
}

/** The numbers 0 .. n - 1 in a packed array. */
export function range(n: number): number[] {
  const values: number[] = [];
  for (let i = 0; i < n; i++) values.push(i);
  return values;
}
