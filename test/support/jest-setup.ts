/**
 * Jest runs each test file in a fresh V8 context whose `Symbol` lacks the `dispose`/`asyncDispose`
 * well-known symbols that Node 20 adds to its main context. Give the test context the same (registered)
 * symbols Node uses, so `await using` behaves in tests exactly as it does in production.
 */
const symbols = Symbol as unknown as { asyncDispose?: symbol; dispose?: symbol };
symbols.asyncDispose ??= Symbol.for('nodejs.asyncDispose');
symbols.dispose ??= Symbol.for('nodejs.dispose');
