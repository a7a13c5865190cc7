/** The Electron shell's pure parts: remembered window bounds and the external-link filter. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isSafeExternalUrl } from '../../../src-main/electron/external.ts';
import { DEFAULT_STATE, readWindowState, writeWindowState } from '../../../src-main/electron/window-state.ts';

const dir = mkdtempSync(join(tmpdir(), 'wl-shell-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];

describe('window state', () => {
  it('round-trips size, position and maximized through its file', () => {
    const file = join(dir, 'a', 'window-state.json');
    writeWindowState(file, { x: 100, y: 50, width: 1000, height: 700 }, true);
    expect(readWindowState(file, screen)).toEqual({ x: 100, y: 50, width: 1000, height: 700, maximized: true });
  });

  it('falls back to defaults for a missing or broken file, and drops a position off every display', () => {
    expect(readWindowState(join(dir, 'none.json'), screen)).toEqual(DEFAULT_STATE);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"width": "wide"');
    expect(readWindowState(broken, screen)).toEqual(DEFAULT_STATE);
    const off = join(dir, 'off.json');
    writeWindowState(off, { x: 3000, y: 100, width: 10, height: 1e9 }, false);
    const state = readWindowState(off, screen);
    expect(state.x).toBeUndefined();
    expect(state.width).toBe(720);
    expect(state.height).toBe(DEFAULT_STATE.height);
    expect(readWindowState(off, [...screen, { x: 1920, y: 0, width: 2560, height: 1440 }]).x).toBe(3000);
  });
});

describe('external links', () => {
  it('lets only plain https links out', () => {
    expect(isSafeExternalUrl('https://github.com/zalandoresearch/fashion-mnist')).toBe(true);
    for (const url of ['http://example.com', 'file:///etc/passwd', 'javascript:alert(1)', 'https://user:pw@example.com/', 'smb://host/share', 'https://localhost/', 'not a url']) {
      expect(isSafeExternalUrl(url), url).toBe(false);
    }
  });
});
