/**
 * Makes `Symbol.asyncDispose` / `Symbol.dispose` exist in every realm this code runs in.
 *
 * Node 20 defines them only in its main realm, as the registered symbols `Symbol.for('nodejs.asyncDispose')`
 * and `Symbol.for('nodejs.dispose')`. Code evaluated in a `vm` context (Jest's test environment, for one)
 * sees neither: `[Symbol.asyncDispose]() {}` would define a method named "undefined" and `await using`
 * would throw "Symbol.asyncDispose is not defined". Setting the same registered symbols keeps objects
 * interoperable across realms. Import this module for its side effect before using the symbols.
 */
const symbols = Symbol as unknown as { asyncDispose?: symbol; dispose?: symbol };
symbols.asyncDispose ??= Symbol.for('nodejs.asyncDispose');
symbols.dispose ??= Symbol.for('nodejs.dispose');

export {};
