// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// Every argument check of the public functions, and the errors they throw,
// in one message style: `Cannot <action>: <argument> must be ..., received
// <value>`. Every handle (in-process, shared, remote) calls these, so a
// message never differs between them.
// Internal: not exported from the package.

import { isAbortSignal } from "./waiter.ts";

// -- Actions: what a message says the caller could not do --
// Named by what the call does, not by the class that has it, so a shared
// or remote handle's call reports as its in-process twin does.

/** `send`, `trySend`, `sendTimeout`, `Permit.send`, `OwnedPermit.send`. */
export const SEND = "Cannot send value";
/** `reserve`, `reserveMany`, `reserveOwned` and their `try*` twins. */
export const RESERVE = "Cannot reserve capacity";
/** `closed()`. */
export const WAIT_CLOSED = "Cannot wait for close";
/** A sender's queries: `isClosed`, `capacity`, counts, `sameChannel`. */
export const QUERY_SENDER = "Cannot query sender";
/** `Sender.clone()`. */
export const CLONE_SENDER = "Cannot clone sender";
/** `Sender.downgrade()`. */
export const DOWNGRADE_SENDER = "Cannot downgrade sender";
/** `WeakSender.upgrade()`. */
export const UPGRADE_SENDER = "Cannot upgrade weak sender";
/** A weak sender's queries. */
export const QUERY_WEAK_SENDER = "Cannot query weak sender";
/** `WeakSender.clone()`. */
export const CLONE_WEAK_SENDER = "Cannot clone weak sender";
/** A permit iterator's `next()`. */
export const TAKE_PERMIT = "Cannot take permit";
/** A permit's or permit iterator's queries. */
export const QUERY_PERMIT = "Cannot query permit";
/** `OwnedPermit.release()`. */
export const RELEASE_PERMIT = "Cannot release permit";
/** `recv`, `tryRecv`. */
export const RECEIVE = "Cannot receive value";
/** `recvMany`. */
export const RECEIVE_MANY = "Cannot receive values";
/** `Receiver.close()`. */
export const CLOSE_RECEIVER = "Cannot close receiver";
/** A receiver's queries: `isClosed`, `len`, counts, capacity. */
export const QUERY_RECEIVER = "Cannot query receiver";
/** `[Symbol.asyncIterator]()`, `values()`. */
export const ITERATE_RECEIVER = "Cannot iterate receiver";
/** `channel()`. */
export const CREATE_CHANNEL = "Cannot create channel";
/** `interval()`. */
export const CREATE_INTERVAL = "Cannot create interval";
/** `select()`. */
export const SELECT = "Cannot select";
/** `merge()`. */
export const MERGE = "Cannot merge receivers";

// -- Checks --

/** Names a wrong argument in an error message: its type, or a number. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" || typeof value === "function"
    ? `an ${typeof value}`
    : typeof value === "number"
    ? String(value)
    : `a ${typeof value}`;
}

/** The `TypeError` for `name`, which must be `expected` and is `value`. */
export function typeError(
  action: string,
  name: string,
  expected: string,
  value: unknown,
): TypeError {
  return new TypeError(
    `${action}: ${name} must be ${expected}, received ${describe(value)}`,
  );
}

/**
 * Checks that `options` is an object or `undefined`.
 *
 * @throws {TypeError} If it is not.
 */
export function checkOptions(action: string, options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null) {
    throw typeError(action, "options", "an object", options);
  }
}

/**
 * Reads `options.signal`, checking both.
 *
 * @throws {TypeError} If `options` is not an object or `signal` not an
 * `AbortSignal`.
 */
export function signalOf(
  action: string,
  options: { signal?: AbortSignal | undefined } | undefined,
): AbortSignal | undefined {
  if (options === undefined) return undefined;
  checkOptions(action, options);
  const signal = options.signal;
  // A brand check: an object made from `AbortSignal.prototype` is no signal.
  if (signal === undefined || isAbortSignal(signal)) return signal;
  throw typeError(action, "options.signal", "an AbortSignal", signal);
}

/**
 * Reads `options[name]`, a boolean that defaults to `false`.
 *
 * @throws {TypeError} If it is neither a boolean nor `undefined`.
 */
export function flagOf(
  action: string,
  options: Record<string, unknown>,
  name: string,
): boolean {
  const flag = options[name] ?? false;
  if (typeof flag !== "boolean") {
    throw typeError(action, `options.${name}`, "a boolean", flag);
  }
  return flag;
}

/**
 * Checks that `value` is an integer from `min` to `max`.
 *
 * @throws {TypeError} If `value` is not a number.
 * @throws {RangeError} If it is not an integer in range.
 */
export function checkInteger(
  action: string,
  name: string,
  value: unknown,
  min: number,
  max: number,
): number {
  if (typeof value !== "number") {
    throw typeError(action, name, "a number", value);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `${action}: ${name} must be an integer from ${min} to ${max}, received ${value}`,
    );
  }
  return value;
}

/**
 * Checks that `value` is a number from `min` to `max`, not necessarily an
 * integer.
 *
 * @throws {TypeError} If `value` is not a number.
 * @throws {RangeError} If it is out of range or `NaN`.
 */
export function checkNumber(
  action: string,
  name: string,
  value: unknown,
  min: number,
  max: number,
): number {
  if (typeof value !== "number") {
    throw typeError(action, name, "a number", value);
  }
  if (!(value >= min && value <= max)) {
    throw new RangeError(
      `${action}: ${name} must be a number from ${min} to ${max}, received ${value}`,
    );
  }
  return value;
}

/**
 * Checks a time limit in milliseconds: a number from 0 to `Infinity`.
 *
 * @throws {TypeError} If `ms` is not a number.
 * @throws {RangeError} If it is negative or `NaN`.
 */
export function checkMs(action: string, name: string, ms: unknown): number {
  if (typeof ms !== "number") throw typeError(action, name, "a number", ms);
  if (!(ms >= 0)) {
    throw new RangeError(
      `${action}: ${name} must be a number from 0 to Infinity, received ${ms}`,
    );
  }
  return ms;
}

/**
 * Checks that `buffer` is an array that can grow.
 *
 * @throws {TypeError} If it is not.
 */
export function checkBuffer(action: string, buffer: unknown): void {
  if (!Array.isArray(buffer)) {
    throw typeError(action, "buffer", "an array", buffer);
  }
  // Checked here for a clear error at the call; a buffer that changes while
  // the call waits is refused at delivery instead (see `Chan.takeMany`).
  if (!Object.isExtensible(buffer)) {
    throw new TypeError(
      `${action}: buffer must be an extensible array, received a frozen or sealed array`,
    );
  }
}

// -- Errors of calls on the wrong object --

/** The error for any call on a disposed handle but `dispose()`. */
export function disposedError(action: string, handle: string): ReferenceError {
  return new ReferenceError(`${action}: ${handle} is disposed`);
}

/** The error for a permit's second `send`. */
export function usedPermitError(): ReferenceError {
  return new ReferenceError(`${SEND}: permit was already used`);
}

/**
 * The error for an argument that should be one of our handles and is not.
 */
export function notAHandle(
  action: string,
  name: string,
  expected: string,
  value: unknown,
): TypeError {
  return typeError(action, name, `a ${expected}`, value);
}

/**
 * The error a receive rejects with when its buffer refused the messages.
 * (Its action reads "receive messages", not {@linkcode RECEIVE_MANY}: the
 * shared channel's tests expect these words.)
 */
export function bufferRefused(): TypeError {
  return new TypeError(
    "Cannot receive messages: buffer refused them (it is frozen, sealed, " +
      "full or throws), so they stay first in the channel",
  );
}
