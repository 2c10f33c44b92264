// Copyright 2026 the @seed/mpsc authors. MIT license.
// Clients that misbehave on purpose, wrapping a real one.

import type { PgClient } from "../../remote.ts";

/** A client whose connection can be cut (every query then fails). */
export interface Cuttable extends PgClient {
  cut: boolean;
}

/** The error a client gives when its connection is gone. */
export function connectionError(): Error {
  return Object.assign(new Error("Connection terminated unexpectedly"), {
    code: "ECONNRESET",
  });
}

/** Wraps `client`: while `cut` is true, every query fails as if offline. */
export function cuttable(client: PgClient): Cuttable {
  const wrapper: Cuttable = {
    cut: false,
    query(text, params) {
      if (wrapper.cut) return Promise.reject(connectionError());
      return client.query(text, params);
    },
  };
  return wrapper;
}

/**
 * Wraps `client`: the next `times` statements matching `pattern` run, and
 * then their replies are lost (the call fails as a dropped connection).
 */
export function losingReplies(
  client: PgClient,
  pattern: RegExp,
  times: number,
): PgClient & { lost: number } {
  const wrapper = {
    lost: 0,
    async query(text: string, params?: unknown[]) {
      const result = await client.query(text, params);
      if (wrapper.lost < times && pattern.test(text)) {
        wrapper.lost++;
        throw connectionError();
      }
      return result;
    },
  };
  return wrapper;
}

/** A client whose every query rejects with `error`. */
export function refusing(error: unknown): PgClient {
  return { query: () => Promise.reject(error) };
}
