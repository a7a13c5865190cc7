#!/usr/bin/env node
// Electron security lint (part of `npm run lint`): runs @doyensec/electronegativity over the shell,
// the preload and the page, and fails when it finds anything above LOW severity.
//
// Electronegativity exits 0 whatever it finds, so this gates on its run() result instead. Some of its
// checks are "manual review" prompts that fire on any use of a feature (every preload, every
// openExternal call); each one we have reviewed is listed in REVIEWED with the reason it is safe, and
// is reported but does not fail. A finding that is not listed fails, and so does a listed one that
// stops appearing (so the list never goes stale).
import mod from '@doyensec/electronegativity';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const run = mod.default ?? mod;
const electronVersion = JSON.parse(readFileSync(new URL('../node_modules/electron/package.json', import.meta.url), 'utf8')).version;

const root = fileURLToPath(new URL('..', import.meta.url));
const INPUTS = ['src-main', 'src-preload', 'src-renderer/index.html'];
// Its global checks (CSP, navigation limits, permission handler) look across one input: scan one
// folder that holds all three.
const scanDir = mkdtempSync(join(tmpdir(), 'wl-electronegativity-'));
for (const input of INPUTS) cpSync(join(root, input), join(scanDir, input), { recursive: true });

/** `CHECK_ID file`: why the flagged code is safe. */
const REVIEWED = {
  'PRELOAD_JS_CHECK src-main/electron/main.ts':
    'The preload is sandboxed and exposes one object (call/on/pathForFile) whose names are checked against the contract; the main side checks the sender frame and validates every argument.',
  'OPEN_EXTERNAL_JS_CHECK src-main/electron/main.ts':
    'shell.openExternal is handed to guardWebContents (security.ts), which calls it only for URLs that pass isSafeExternalUrl (https, no credentials, a real host name); everything else is refused and logged.',
};

const SEVERITY_RANK = { INFORMATIONAL: 0, LOW: 1, MEDIUM: 2, HIGH: 3 };
const name = (v) => (typeof v === 'string' ? v : (v?.name ?? String(v))).toUpperCase();

const failures = [];
const reviewedSeen = new Set();
let total = 0;
// Its output is chatty (translations, a network check for new Electron releases): keep ours readable.
const quiet = { log: console.log, warn: console.warn, info: console.info };
console.log = console.warn = console.info = () => {};
let result;
try {
  result = await run({
    input: scanDir,
    electronVersionOverride: electronVersion,
    // The release check needs the network and reports on Electron itself, not on this code.
    excludeFromScan: ['AvailableSecurityFixesGlobalCheck', 'ElectronVersionJSONCheck'],
    parserPlugins: ['optionalChaining'],
  });
} finally {
  Object.assign(console, quiet);
  rmSync(scanDir, { recursive: true, force: true });
}
const fileOf = (file) => (file && file !== 'N/A' ? relative(scanDir, file) : 'the whole app');
for (const error of result.errors.filter((e) => !e.tolerable)) failures.push(`${fileOf(error.file)}: could not be parsed: ${error.message}`);
for (const issue of result.issues) {
  total++;
  const severity = name(issue.severity);
  const file = fileOf(issue.file);
  const key = `${issue.id} ${file}`;
  const line = `${severity} ${issue.id} ${file}:${issue.location?.line ?? '?'} — ${issue.description}`;
  if (REVIEWED[key]) {
    reviewedSeen.add(key);
    console.log(`electronegativity: reviewed  ${line}\n    ${REVIEWED[key]}`);
  } else if (SEVERITY_RANK[severity] > SEVERITY_RANK.LOW) {
    failures.push(line);
  } else {
    console.log(`electronegativity: low       ${line}`);
  }
}
for (const key of Object.keys(REVIEWED)) {
  if (!reviewedSeen.has(key)) failures.push(`REVIEWED lists "${key}", which no longer appears: remove it from tests/electronegativity.mjs`);
}
if (failures.length > 0) {
  for (const f of failures) console.error(`electronegativity: FAIL      ${f}`);
  console.error(`electronegativity: ${failures.length} finding(s) above LOW severity (Electron ${electronVersion})`);
  process.exit(1);
}
console.log(`electronegativity: nothing above LOW severity in ${INPUTS.join(', ')} (${total} finding(s) listed above, Electron ${electronVersion})`);
