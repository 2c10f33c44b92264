// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// The entry point that _test/runtimes_test.ts bundles: the whole public API in one module.

export * from "../../mod.ts";
export * from "../../stream.ts";
