/**
 * Hostile command lines (issue 28, 4b-6): each is refused with one line naming the option, no stack trace,
 * the right exit code, and nothing stored or created (the per-user folder, the database, the --out path).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRoot } from '../../../src-main/core/paths.ts';
import { safe } from '../../../src-main/cli/terminal.ts';

const BIN = join(appRoot, 'src-main', 'cli', 'weightlapse.mjs');
let dir: string;
let home: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wl-hostile-'));
  home = join(dir, 'home');
  mkdirSync(home);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The CLI with the per-user data folder in `home` (watched to stay empty) and no WEIGHTLAPSE_DB. */
function cli(...args: string[]) {
  const env = { ...process.env, XDG_DATA_HOME: home, WEIGHTLAPSE_DB: '' };
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, cwd: dir, timeout: 300_000 });
}

function refused(r: ReturnType<typeof cli>, code: number, message: RegExp) {
  expect(r.status, r.stderr).toBe(code);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr.trim()).toMatch(message);
  expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
  expect(r.stderr).not.toContain('\x1b');
  expect(readdirSync(home)).toEqual([]);
}

describe('the database option', () => {
  it("refuses --db '' instead of using the per-user database", () => {
    refused(cli('--db', '', 'data', 'add', join(appRoot, 'resources', 'sample', 'fashion-mnist')), 2, /^weightlapse: --db: empty/);
  });

  it('creates neither folder nor database for the verbs that only read', () => {
    const missing = join(dir, 'no-such-folder', 'x.db');
    for (const args of [['runs'], ['data', 'list'], ['export-weights', '--run', '1', '--out', join(dir, 'out')], ['db', 'check']]) {
      refused(cli('--db', missing, ...args), 1, /^weightlapse: --db: .*x\.db does not exist/);
    }
    expect(existsSync(join(dir, 'no-such-folder'))).toBe(false);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('says what /dev/null is', () => {
    refused(cli('--db', '/dev/null', 'runs'), 1, /^weightlapse: --db: \/dev\/null is a device, not a database file$/);
  });
});

describe('ids and names', () => {
  it('refuses an id above 2^53 or not an integer instead of rounding it', () => {
    const db = join(dir, 'ids.db');
    for (const id of ['9007199254740993', '1e3', '0x10', '1.0', '-1', '0']) {
      refused(cli('--db', db, 'export-weights', '--run', id, '--out', join(dir, 'out')), 2, new RegExp(`^weightlapse: --run: "${id.replace('.', '\\.')}" is not an id`));
    }
  });

  it('holds --name to the API rule: not empty, not 10,000 characters, no escape codes', () => {
    const db = join(dir, 'names.db');
    const data = join(appRoot, 'resources', 'sample', 'fashion-mnist');
    refused(cli('--db', db, 'train', '--data', data, '--name', '   '), 2, /^weightlapse: --name: must not be empty$/);
    refused(cli('--db', db, 'train', '--data', data, '--name', 'a'.repeat(10_000)), 2, /^weightlapse: --name: must be 200 characters at most$/);
    refused(cli('--db', db, 'data', 'add', data, '--name', 'x\x1b]0;pwned\x07'), 2, /^weightlapse: --name: must not contain control characters/);
    expect(existsSync(db)).toBe(false);
  });

  it('escapes control characters wherever text reaches the terminal', () => {
    expect(safe('a\x1b[2Jb\x07\u202e\u009b')).toBe('a\\x1b[2Jb\\x07\\u202e\\x9b');
    const r = cli('--db', join(dir, 'x\x1b[2J.db'), 'runs');
    refused(r, 1, /x\\x1b\[2J\.db does not exist/);
  });
});

describe('output without a budget', () => {
  it('refuses --out naming an existing file before opening anything', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'keep');
    refused(cli('--db', join(dir, 'none.db'), 'export-weights', '--run', '1', '--out', file), 2, /^weightlapse: --out: .*a-file is a file/);
    refused(cli('--db', join(dir, 'none.db'), 'export-gif', '--run', '1', '--layer', 'fc1', '--out', join(file, 'x.gif')), 2, /^weightlapse: --out: .*a-file is a file/);
  });
});

describe('serve --token', () => {
  it('refuses a token too short to keep a bookmarked URL safe, before opening anything', () => {
    const db = join(dir, 'serve.db');
    refused(cli('--db', db, 'serve', '--token', 'short'), 2, /^weightlapse: --token: is 5 characters; a token needs at least 32/);
    expect(existsSync(db)).toBe(false);
  });
});

describe('exit codes', () => {
  it('exits 2 for a usage error, 0 for --help', () => {
    expect(cli('runs', '--bogus').status).toBe(2);
    const help = cli('train', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--db <file>/);
    expect(help.stdout).toMatch(/--json/);
  });
});
