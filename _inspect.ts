// Copyright 2026 the @seed/mpsc authors. MIT license.
// This module is browser compatible.
// How handles show in `console.log` and answer `using`: set up once per
// class, from its static block or right after it.
// Internal: not exported from the package.

/**
 * Makes each class's `[Symbol.dispose]` the very function its `dispose` is,
 * as the contract asks; the class bodies declare it for the types and docs.
 */
export function aliasDispose(
  ...classes: { prototype: { dispose(): void } }[]
): void {
  for (const { prototype } of classes) {
    Object.defineProperty(prototype, Symbol.dispose, {
      value: prototype.dispose,
      writable: true,
      configurable: true,
    });
  }
}

const DENO_INSPECT = Symbol.for("Deno.customInspect");
const NODE_INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * Makes `Deno.inspect`, `console.log` and Node's `util.inspect` show a
 * handle as `Name { field: value, ... }`, from `fields`, which returns the
 * handle's state (never a message), or `undefined` once it is disposed.
 */
export function inspectAs<H>(
  klass: { prototype: H },
  // Given, not read from the class: a bundler may rename classes.
  name: string,
  fields: (handle: H) => Record<string, number | boolean> | undefined,
): void {
  function inspect(this: H): string {
    const state = fields(this);
    if (state === undefined) return `${name} { disposed: true }`;
    const parts = Object.entries(state).map(([key, value]) =>
      `${key}: ${value}`
    );
    return `${name} { ${parts.join(", ")} }`;
  }
  for (const key of [DENO_INSPECT, NODE_INSPECT]) {
    Object.defineProperty(klass.prototype, key, {
      value: inspect,
      writable: true,
      configurable: true,
    });
  }
}
