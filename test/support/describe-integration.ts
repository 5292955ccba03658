/**
 * The one rule for integration suites whose prerequisites may be missing: run them when nothing is missing;
 * when something is, FAIL under `CI=true` (one failing test naming what is missing) and skip elsewhere (with
 * a warning), so a developer without root or the host setup can still run the rest.
 */

/** `describe` that runs `fn` only when no reason in `missing` is set (see the module comment). */
export function describeIntegration(name: string, missing: Array<string | undefined>, fn: () => void): void {
  const reasons = missing.filter((m): m is string => m !== undefined);
  if (reasons.length === 0) {
    describe(name, fn);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has its prerequisites', () => {
        throw new Error(
          `integration prerequisites missing under CI=true (tests must not be skipped): ${reasons.join('; ')}`,
        );
      });
    });
  } else {
    console.warn(`skipping "${name}": ${reasons.join('; ')}`);
    describe.skip(name, fn);
  }
}
