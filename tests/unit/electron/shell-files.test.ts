/**
 * The shell's remembered lists and its command line: the recent databases (recent.ts: the app's own list
 * in a file, and the OS's recent documents, stood in for) and the database named on a first or second
 * start (arguments.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseArgument, isStartArguments } from '../../../src-main/electron/arguments.ts';
import { MAX_RECENT, recentDatabases } from '../../../src-main/electron/recent.ts';
import { removeTempDirs, tempDir } from '../../helpers.ts';
import { RecentDocumentsStandIn } from './standins.ts';

afterAll(removeTempDirs);

describe('the recent databases', () => {
  it('keeps the latest first, each once, at most MAX_RECENT, in its file and in the OS’s list; drops one that has gone; Clear Recent empties both', () => {
    const file = join(tempDir('wl-recent-'), 'user-data', 'recent-databases.json');
    const os = new RecentDocumentsStandIn();
    const recent = recentDatabases(file, os);
    expect(recent.list()).toEqual([]);
    recent.add('/a.db');
    recent.add('/b.db');
    recent.add('/a.db');
    expect(recent.list()).toEqual(['/a.db', '/b.db']);
    expect(os.documents).toEqual(['/a.db', '/b.db']);
    // Read again by the next start.
    expect(recentDatabases(file, os).list()).toEqual(['/a.db', '/b.db']);

    for (let i = 0; i < MAX_RECENT + 3; i++) recent.add(`/run-${i}.db`);
    expect(recent.list()).toHaveLength(MAX_RECENT);
    expect(recent.list()[0]).toBe(`/run-${MAX_RECENT + 2}.db`);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(recent.list());

    recent.remove(`/run-${MAX_RECENT + 1}.db`);
    expect(recent.list()).toHaveLength(MAX_RECENT - 1);
    expect(recentDatabases(file, os).list()).not.toContain(`/run-${MAX_RECENT + 1}.db`);

    recent.clear();
    expect(recent.list()).toEqual([]);
    expect(os.documents).toEqual([]);
    expect(recentDatabases(file, os).list()).toEqual([]);
  });

  it('starts empty from a broken file, and keeps only the paths of a file that holds other things', () => {
    const dir = tempDir('wl-recent-');
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '["/a.db", ');
    expect(recentDatabases(broken, new RecentDocumentsStandIn()).list()).toEqual([]);
    const odd = join(dir, 'odd.json');
    writeFileSync(odd, JSON.stringify(['/a.db', 7, '', null, '/b.db']));
    expect(recentDatabases(odd, new RecentDocumentsStandIn()).list()).toEqual(['/a.db', '/b.db']);
  });
});

describe('the database on the command line', () => {
  const cwd = '/home/me/runs';
  it('takes the first plain argument, or --db, relative to the folder the app started in', () => {
    expect(databaseArgument({ argv: ['/opt/Weightlapse/weightlapse', 'freeze.db'], cwd }, 1)).toBe('/home/me/runs/freeze.db');
    expect(databaseArgument({ argv: ['/usr/bin/electron', '/app', '--db', '../x.db'], cwd }, 2)).toBe('/home/me/x.db');
    expect(databaseArgument({ argv: ['weightlapse', '--db=/data/y.db'], cwd }, 1)).toBe('/data/y.db');
    expect(databaseArgument({ argv: ['weightlapse', '--', '-odd.db'], cwd }, 1)).toBe('/home/me/runs/-odd.db');
  });

  it('passes over Chromium’s and Electron’s switches, and names nothing when there is no database', () => {
    expect(databaseArgument({ argv: ['weightlapse', '--enable-logging', '--inspect=9229', 'z.db'], cwd }, 1)).toBe('/home/me/runs/z.db');
    expect(databaseArgument({ argv: ['weightlapse', '--no-sandbox'], cwd }, 1)).toBeUndefined();
    expect(databaseArgument({ argv: ['/usr/bin/electron', '/app'], cwd }, 2)).toBeUndefined();
    expect(databaseArgument({ argv: ['weightlapse', '--db'], cwd }, 1)).toBeUndefined();
  });

  it('knows a second start’s additional data from anything else', () => {
    expect(isStartArguments({ argv: ['weightlapse', 'a.db'], cwd })).toBe(true);
    for (const other of [null, undefined, 'a.db', { argv: 'a.db', cwd }, { argv: [1], cwd }, { argv: [] }]) expect(isStartArguments(other)).toBe(false);
  });
});
