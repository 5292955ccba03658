/**
 * Rewrites the generated part of docs/container-fields.md from the field table
 * (`provider/hosts/inspect-fields.ts`): `npm run fields-table`. test/hosts/inspect-fields.test.ts fails when
 * the page and the table differ.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIELDS_DOC_MARK, fieldsTableMarkdown } from '../provider/hosts/inspect-fields';

const page = path.join(__dirname, '..', 'docs', 'container-fields.md');
const text = fs.readFileSync(page, 'utf8');
const at = text.indexOf(FIELDS_DOC_MARK);
if (at < 0) throw new Error(`${page}: no "${FIELDS_DOC_MARK.trim()}" line`);
fs.writeFileSync(page, `${text.slice(0, at + FIELDS_DOC_MARK.length)}${fieldsTableMarkdown()}`);
process.stdout.write(`${page}: table rewritten\n`);
