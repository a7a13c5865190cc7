/** The installer configuration (package.json "build"): valid by electron-builder's own schema, with the icon and native modules right. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { appRoot } from '../../../src-main/core/paths.ts';

const require = createRequire(import.meta.url);
interface BuilderConfig {
  appId: string;
  productName: string;
  icon: string;
  files: (string | { filter: string[] })[];
  asarUnpack: string[];
  linux: { target: string[] };
  mac: { target: string };
  win: { target: string };
}
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: unknown): Promise<BuilderConfig>;
  validateConfiguration(config: unknown, debugLogger: { isEnabled: boolean; add(): void }): Promise<void>;
};

/** Width, height and the opaque/transparent layout of a PNG, read by hand (no image library needed). */
function readPngSize(file: string): { width: number; height: number; colorType: number } {
  const png = readFileSync(file);
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  // The pixels must inflate to height rows of (1 + width × 4) bytes for 8-bit RGBA.
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const idat: Buffer[] = [];
  for (let o = 8; o < png.length; ) {
    const length = png.readUInt32BE(o);
    if (png.subarray(o + 4, o + 8).toString('ascii') === 'IDAT') idat.push(png.subarray(o + 8, o + 8 + length));
    o += 12 + length;
  }
  expect(inflateSync(Buffer.concat(idat)).length).toBe(height * (1 + width * 4));
  return { width, height, colorType: png[25]! };
}

describe('the installer configuration', () => {
  it("passes electron-builder's own schema validation", async () => {
    const config = await getConfig(appRoot, null, null);
    await expect(validateConfiguration(config, { isEnabled: false, add() {} })).resolves.toBeUndefined();
    expect(config.appId).toBe('org.weightlapse.app');
    expect(config.productName).toBe('Weightlapse');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toBe('dmg');
    expect(config.win.target).toBe('nsis');
  });

  it('rejects a wrong option, so the check above means something', async () => {
    const config = await getConfig(appRoot, null, null);
    await expect(validateConfiguration({ ...config, linux: { target: ['AppImage'], colour: 'blue' } }, { isEnabled: false, add() {} })).rejects.toThrow(/configuration\.linux/);
  });

  it('has an RGBA PNG icon of at least 512×512 (macOS needs 512, the others 256)', async () => {
    const config = await getConfig(appRoot, null, null);
    const { width, height, colorType } = readPngSize(join(appRoot, config.icon));
    expect(width).toBeGreaterThanOrEqual(512);
    expect(height).toBe(width);
    expect(colorType).toBe(6);
  });

  it('packs the built app and unpacks native modules and wasm from asar', async () => {
    const config = await getConfig(appRoot, null, null);
    const files = config.files.flatMap((f) => (typeof f === 'string' ? [f] : f.filter));
    expect(files).toEqual(expect.arrayContaining(['out/**', 'resources/**']));
    // sharp loads libvips (a shared library beside its .node file) from disk too.
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['**/*.node', 'node_modules/better-sqlite3/**', 'node_modules/sharp/**', 'node_modules/@img/**']));
    expect(config.asarUnpack.some((p) => p.includes('tfjs-backend-wasm') && p.endsWith('.wasm'))).toBe(true);
    // The native module it must unpack is a real dependency, and so is the wasm backend.
    const pkg = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies).toHaveProperty('better-sqlite3');
    expect(pkg.dependencies).toHaveProperty('sharp');
    expect(pkg.dependencies).toHaveProperty('@tensorflow/tfjs-backend-wasm');
  });
});
