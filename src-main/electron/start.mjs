#!/usr/bin/env node
// `npm start` (after `npm run build`): the desktop window where Electron can run, otherwise the same UI
// through the local server, saying why. Options are passed to the server: --port N, --host H, --db FILE.
// WEIGHTLAPSE_NO_ELECTRON=1 skips the desktop window on purpose.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';

register();
const root = fileURLToPath(new URL('../..', import.meta.url));
const { findElectron, electronSqliteBinding } = await import('./electron-runtime.ts');
const { reportError } = await import('../cli/common.ts');

const say = (line) => process.stderr.write(`weightlapse: ${line}\n`);

function launchElectron(binary, sqliteBinding, db) {
  // The window opens --db's database (src-main/electron/arguments.ts), as the server would.
  const args = [root, ...(db ? ['--db', db] : [])];
  const child = spawn(binary, args, { stdio: 'inherit', env: { ...process.env, WEIGHTLAPSE_SQLITE_BINDING: sqliteBinding } });
  // Ctrl-C reaches Electron through the terminal too; forwarding covers `kill` of this process.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

async function serveInstead(why, values) {
  say(`no desktop window: ${why}.`);
  say('serving the app to your browser instead (Ctrl-C to stop).');
  const port = values.port === undefined ? 0 : Number(values.port);
  const { serve } = await import('../cli/commands/serve.ts');
  await serve({ port, host: values.host, db: values.db });
}

try {
  const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' }, db: { type: 'string' } } });
  if (!existsSync(`${root}out/main/index.js`) || !existsSync(`${root}out/renderer/index.html`)) {
    say('the app is not built: run `npm run build` first (`npm start` does both)');
    process.exit(1);
  }
  const electron = process.env.WEIGHTLAPSE_NO_ELECTRON
    ? { ok: false, reason: 'WEIGHTLAPSE_NO_ELECTRON is set' }
    : (say('looking for Electron (its first start downloads it)…'), findElectron());
  let binding;
  let why = electron.ok ? undefined : electron.reason;
  if (electron.ok) {
    try {
      binding = electronSqliteBinding(electron.version);
    } catch (err) {
      why = err.message;
    }
  }
  if (why === undefined) launchElectron(electron.binary, binding, values.db);
  else await serveInstead(why, values);
} catch (err) {
  process.exitCode = reportError(err);
}
