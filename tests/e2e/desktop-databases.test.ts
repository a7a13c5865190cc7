/**
 * Any database in the desktop app, on the desktop host (tests/e2e/hosts/desktop.ts: the built page and
 * preload, the real main side, Electron's objects stood in for): File → New Database…, Open Database…, Open
 * Recent (the app's list and the OS's recent documents) and Clear Recent, a database handed over by a second
 * start; the title naming the database; what cannot be opened refused in the window with the CLI's words
 * while the open database stays (a recent one that has gone leaving Open Recent); and switching while a run
 * trains asked first, as quitting is.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRoot } from '../../src-main/core/paths.ts';
import { openDatabase } from '../../src-main/core/store/db.ts';
import { getStoredRun } from '../../src-main/core/store/runs.ts';
import { listSnapshots } from '../../src-main/core/store/snapshots.ts';
import { databaseArgument } from '../../src-main/electron/arguments.ts';
import { KEEP_TRAINING, STOP_AND_QUIT } from '../../src-main/electron/quit.ts';
import { openDesktopApp, type DesktopApp } from './hosts/desktop.ts';
import { removeTempDirs, tempDir, until } from '../helpers.ts';

const SAMPLE = join(appRoot, 'resources', 'sample', 'fashion-mnist');

let app: DesktopApp;
let dir: string;
let first: string;
const second = () => join(dir, 'second.db');

const notice = () => app.page.getByTestId('notice');
const datasetNames = async () => (await app.call('datasets.list', {})).map((d) => d.name);
/** What the CLI says about the database, without its "weightlapse: " (the same core refuses it). */
function cliSays(db: string): string {
  const cli = spawnSync(process.execPath, [join(appRoot, 'src-main', 'cli', 'weightlapse.mjs'), 'runs', '--db', db], { encoding: 'utf8' });
  expect(cli.status).toBe(1);
  return cli.stderr.trim().replace(/^weightlapse: /, '');
}

beforeAll(async () => {
  dir = tempDir('wl-databases-');
  app = await openDesktopApp({ width: 1280, height: 800 });
  first = app.dbPath;
});

afterAll(async () => {
  await app?.close();
  removeTempDirs();
});

describe('switching databases (desktop host)', () => {
  it('names the database in the title; New Database… makes another and shows it; Open Recent goes back', async () => {
    const copy = join(dir, 'only-in-first');
    cpSync(SAMPLE, copy, { recursive: true });
    await app.call('datasets.add', { path: copy, name: 'only in the first' });
    await until('the title', async () => (await app.title()) === 'e2e.db — Weightlapse');
    expect(app.menuLabels('Open Recent')).toEqual([first, '(separator)', 'Clear Recent']);

    // Typed without an extension: it gets .db.
    app.dialog.answers.save.push(join(dir, 'second'));
    app.clickMenu('New Database…');
    await until('the new database', () => app.dbPath === second());
    expect(app.dialog.shown.at(-1)).toMatchObject({ kind: 'save', parent: true, options: { title: 'New Database', defaultPath: join(app.picturesDir, 'weightlapse.db') } });
    await until('the new title', async () => (await app.title()) === 'second.db — Weightlapse');
    expect(await app.call('app.info', {})).toMatchObject({ dbPath: second() });
    // The page was loaded afresh on the new database: its runs list (empty) and its data sets.
    await app.page.getByText('No runs yet').waitFor();
    expect(await datasetNames()).not.toContain('only in the first');
    expect(app.menuLabels('Open Recent')).toEqual([second(), first, '(separator)', 'Clear Recent']);
    expect(app.recentDocuments.documents).toEqual([second(), first]);

    app.clickMenu(first);
    await until('the first database again', () => app.dbPath === first);
    await until('its title', async () => (await app.title()) === 'e2e.db — Weightlapse');
    await app.goto('#/datasets');
    await app.page.getByTestId('datasets-table').getByText('only in the first').waitFor();
    expect(app.menuLabels('Open Recent')).toEqual([first, second(), '(separator)', 'Clear Recent']);
    expect(app.errors).toEqual([]);
  });

  it('refuses a database it cannot open with the words the CLI uses, changing nothing, and keeps the open one', async () => {
    const garbage = join(dir, 'garbage.db');
    writeFileSync(garbage, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251)));
    const other = join(dir, 'other-program.db');
    const foreign = new Database(other);
    foreign.exec('CREATE TABLE notes (body TEXT)');
    foreign.close();
    const newer = join(dir, 'newer.db');
    openDatabase(newer).close();
    const raw = new Database(newer);
    raw.pragma('user_version = 999');
    raw.close();

    for (const path of [garbage, other, newer]) {
      const before = readFileSync(path);
      const said = cliSays(path);
      app.dialog.answers.open.push(path);
      app.clickMenu('Open Database…');
      await until(`the refusal of ${path}`, async () => (await notice().isVisible()) && (await notice().textContent())?.includes(said));
      expect(said).toContain(path);
      expect(await notice().getAttribute('role')).toBe('alert');
      expect(app.dbPath).toBe(first);
      expect(readFileSync(path).equals(before)).toBe(true);
      if (path === garbage) await app.screenshot('database-refused');
      await notice().getByRole('button', { name: 'Dismiss' }).click();
    }
    // The open database still serves the page; the refused ones are not recent.
    expect(await app.title()).toBe('e2e.db — Weightlapse');
    expect(await datasetNames()).toContain('only in the first');
    expect(app.menuLabels('Open Recent')).toEqual([first, second(), '(separator)', 'Clear Recent']);

    // New Database… never writes over a file that is there.
    app.dialog.answers.save.push(other);
    app.clickMenu('New Database…');
    await until('the refusal', async () => (await notice().textContent())?.includes(`${other} already exists`));
    expect(app.dbPath).toBe(first);
  });

  it('asks before switching while a run trains: Keep Training keeps both; Stop Training and Open keeps its epochs and opens the other', async () => {
    const datasetId = (await app.call('datasets.list', {})).find((d) => d.bundled)!.id;
    const run = await app.call('runs.start', { datasetId, name: 'long', config: { epochs: 200, trainLimit: 128, testLimit: 32, batchSize: 32 } });
    await until('a trained epoch', async () => (await app.call('runs.get', { id: run.id })).snapshots.length >= 2);

    app.dialog.answers.open.push(second());
    app.dialog.answers.message.push(KEEP_TRAINING);
    const asked = app.dialog.shown.length;
    app.clickMenu('Open Database…');
    await until('the question', () => app.dialog.shown.slice(asked).some((d) => d.kind === 'message'));
    expect(app.dialog.shown.at(-1)).toMatchObject({
      kind: 'message',
      parent: true,
      options: { message: 'A run is still training.', buttons: ['Stop Training and Open', 'Keep Training'], cancelId: KEEP_TRAINING },
    });
    // Still the first database, still training, still storing epochs.
    const stored = (await app.call('runs.get', { id: run.id })).snapshots.length;
    await until('another epoch', async () => (await app.call('runs.get', { id: run.id })).snapshots.length > stored);
    expect(app.dbPath).toBe(first);
    expect((await app.call('runs.get', { id: run.id })).status).toBe('running');

    const kept = (await app.call('runs.get', { id: run.id })).snapshots.length;
    app.dialog.answers.open.push(second());
    app.dialog.answers.message.push(STOP_AND_QUIT);
    app.clickMenu('Open Database…');
    await until('the second database', () => app.dbPath === second());
    await until('its title', async () => (await app.title()) === 'second.db — Weightlapse');
    const db = openDatabase(first, { readonly: true });
    try {
      expect(getStoredRun(db, run.id)).toMatchObject({ status: 'stopped', pid: null });
      expect(listSnapshots(db, run.id).length).toBeGreaterThanOrEqual(kept);
    } finally {
      db.close();
    }
    expect(await app.call('runs.list', {})).toEqual([]);
  });

  it('opens the database a second start names (made when missing, as --db does), forgets one that has gone, and clears the recent list', async () => {
    const named = databaseArgument({ argv: ['/opt/Weightlapse/weightlapse', 'third.db'], cwd: dir }, 1)!;
    expect(await app.desktop.openDatabase(named, 'either')).toBe(true);
    await until('its title', async () => (await app.title()) === 'third.db — Weightlapse');
    expect(app.menuLabels('Open Recent')).toEqual([named, second(), first, '(separator)', 'Clear Recent']);

    // A recent database that has gone since: refused, and no longer offered.
    rmSync(second());
    app.clickMenu(second());
    await until('the missing file', async () => (await notice().isVisible()) && (await notice().textContent())?.includes(`${second()} does not exist`));
    expect(app.dbPath).toBe(named);
    expect(app.menuLabels('Open Recent')).toEqual([named, first, '(separator)', 'Clear Recent']);
    app.clickMenu('Clear Recent');
    expect(app.menuLabels('Open Recent')).toEqual(['Clear Recent']);
    expect(app.recentDocuments.documents).toEqual([]);
    expect(app.errors).toEqual([]);
  });
});
