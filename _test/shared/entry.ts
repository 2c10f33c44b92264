// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The entry point that _test/shared_runtimes_test.ts bundles: the shared channel API and its errors.

export * from "../../shared.ts";
export * from "../../error.ts";
