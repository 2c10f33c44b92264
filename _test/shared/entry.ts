// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The entry point that _test/shared_runtimes_test.ts bundles: the shared channel API and its errors, and what shared receivers compose with (select, merge, an in-process channel, streams).

export * from "../../shared.ts";
export * from "../../error.ts";
export { channel } from "../../bounded.ts";
export { merge, select } from "../../select.ts";
export { toReadableStream } from "../../stream.ts";
