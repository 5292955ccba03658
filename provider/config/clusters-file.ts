/**
 * Reading a clusters file (the JSON shape of {@link ClustersFile}) from disk: which file, and its contents
 * parsed by the one schema that `ferry:clusters` uses too. Every failure is one `InvalidInput` line that
 * names the file.
 */
import { InvalidInput } from '../errors';
import { parseClusters } from '../pulumi/schema';
import type { ClustersFile } from './clusters';
import { parseJsonText, readJsonFileSync } from './json-file';

/** The environment variable that names the default clusters file. */
export const CLUSTERS_FILE_ENV = 'FERRY_CLUSTERS_FILE';

/** The clusters file named by the environment (`FERRY_CLUSTERS_FILE`), if any. */
export function clustersFileFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const v = env[CLUSTERS_FILE_ENV];
  return v === undefined || v === '' ? undefined : v;
}

/**
 * The clusters file to use: the flag's value, else the default.
 * @throws InvalidInput when neither names one.
 */
export function chooseClustersFile(flag: string | undefined, fallback: string | undefined): string {
  const file = flag ?? fallback;
  if (file === undefined) {
    throw new InvalidInput(
      '--clusters-file',
      undefined,
      `a clusters file (pass --clusters-file F or set ${CLUSTERS_FILE_ENV}; \`ferry testbed up\` writes one for the test bed)`,
    );
  }
  return file;
}

/**
 * Checks the parsed JSON of a clusters file.
 * @param file - its path, for messages only.
 * @throws InvalidInput naming the file and the first bad fields.
 */
export function parseClustersJson(json: unknown, file: string): ClustersFile {
  const parsed = parseClusters(json);
  if (!parsed.ok) {
    const shown = parsed.problems
      .slice(0, 3)
      .map((p) => `${p.property.replace(/^ferry:clusters\./, '')}: ${p.reason}`)
      .join('; ');
    throw new InvalidInput(`clusters file ${file}`, '(invalid)', `the clusters file shape (${shown})`);
  }
  return parsed.clusters;
}

/**
 * Parses the text of a clusters file.
 * @param file - its path, for messages only.
 * @throws InvalidInput naming the file and the first bad fields.
 */
export function parseClustersText(text: string, file: string): ClustersFile {
  return parseClustersJson(parseJsonText(text, file, 'clusters file'), file);
}

/**
 * Reads and parses a clusters file.
 * @throws InvalidInput when it is missing, unreadable or invalid.
 */
export function readClustersFile(file: string): ClustersFile {
  const json = readJsonFileSync(file, '--clusters-file', 'clusters file', {
    hint: "`ferry testbed up` writes the test bed's",
  });
  return parseClustersJson(json, file);
}
