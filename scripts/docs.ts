// `npm run docs`: writes the settings table that lib/settings.ts makes into
// docs/user-guide.md, between its markers (test/docs.test.ts checks that it is current).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { settingsTable } from '../lib/settings';

const guide = path.join(__dirname, '..', 'docs', 'user-guide.md');
const markers = /(<!-- settings-table:start -->\n)[\s\S]*?(\n<!-- settings-table:end -->)/;
const text = fs.readFileSync(guide, 'utf8');
if (!markers.test(text)) {
  throw new Error(`${guide} has no <!-- settings-table:start --> … <!-- settings-table:end --> block to write the table into`);
}
fs.writeFileSync(guide, text.replace(markers, (_all, start: string, end: string) => `${start}${settingsTable()}${end}`));
console.log(`wrote the settings table into ${path.relative(process.cwd(), guide)}`);
