/**
 * Reading a clusters file (the JSON shape of {@link ClustersFile}) from disk: which file, and its contents
 * parsed by the one schema that `ferry:clusters` uses too. Every failure is one `InvalidInput` line that
 * names the file.
 */
import * as fs from 'node:fs';
import { InvalidInput } from '../errors';
import { parseClusters } from '../pulumi/schema';
import type { ClustersFile } from './clusters';

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
 * Parses the text of a clusters file.
 * @param file - its path, for messages only.
 * @throws InvalidInput naming the file and the first bad fields.
 */
export function parseClustersText(text: string, file: string): ClustersFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InvalidInput(`clusters file ${file}`, '(not JSON)', `JSON: ${(e as Error).message}`);
  }
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
 * Reads and parses a clusters file.
 * @throws InvalidInput when it is missing, unreadable or invalid.
 */
export function readClustersFile(file: string): ClustersFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new InvalidInput(
      '--clusters-file',
      file,
      `a readable clusters file (${why}; \`ferry testbed up\` writes the test bed's)`,
    );
  }
  return parseClustersText(text, file);
}
