#!/usr/bin/env node
// `npm run dist` (after `npm run build`): installers for this platform with electron-builder (the
// "build" section of package.json; arguments are passed on, e.g. `npm run dist -- --dir`).
//
// electron-builder rebuilds better-sqlite3 in node_modules for Electron's ABI while it packs; the CLI,
// the local server and the tests need the Node build, so it is rebuilt for Node afterwards, whether
// packing worked or not. On first use electron-builder downloads Electron's release for this platform
// (from github.com, or ELECTRON_MIRROR) and Electron's headers: where they cannot be reached, packing
// fails, and this says so in one line after electron-builder's own output.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(`${root}package.json`);
const say = (line) => process.stderr.write(`weightlapse dist: ${line}\n`);
const npm = (args) => {
  const npmCli = process.env.npm_execpath;
  return npmCli ? [process.execPath, [npmCli, ...args]] : ['npm', args];
};

/** Runs electron-builder, passing its output through; resolves with its exit code and the output's tail. */
function electronBuilder(args) {
  const cli = require.resolve('electron-builder/cli.js');
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['inherit', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk, out) => {
    out.write(chunk);
    tail = (tail + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', (c) => keep(c, process.stdout));
  child.stderr.on('data', (c) => keep(c, process.stderr));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, tail })));
}

const NETWORK_ERROR = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|socket hang up|status code 40[34]/;
const { version } = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8'));
let code = 1;
try {
  const result = await electronBuilder(process.argv.slice(2));
  code = result.code;
  if (code !== 0) {
    const offline = result.tail.split('\n').find((line) => NETWORK_ERROR.test(line));
    say(
      offline
        ? `electron-builder could not download what it packs (${offline.replace(/^\W*/, '').replace(/\s+failedTask=.*$/, '')}): ` +
            `Electron ${version} for ${process.platform}-${process.arch} from github.com (or ELECTRON_MIRROR), and Electron's headers from electronjs.org. ` +
            'Installers can be built only where those downloads work; electron-builder then keeps them in its cache.'
        : `electron-builder failed (exit code ${code}); its output is above.`,
    );
  } else {
    say('installers are in dist/.');
  }
} finally {
  say('rebuilding better-sqlite3 for Node (electron-builder rebuilt it for Electron)…');
  const [cmd, args] = npm(['rebuild', 'better-sqlite3']);
  const rebuilt = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: !process.env.npm_execpath && process.platform === 'win32' });
  if (rebuilt.status !== 0) {
    say('`npm rebuild better-sqlite3` failed: run it yourself before `npm test` or the CLI.');
    code ||= 1;
  }
}
process.exit(code);
