/**
 * Text on the terminal. Names come from files and folders anyone may have made (a CIFAR batches.meta.txt,
 * a folder of images, a run's name): written raw, an escape code in one could clear the screen, retitle
 * the window or hide what follows. Every line the CLI prints goes through `say` or `tell`, which show
 * control characters (C0, DEL, C1) and the bidirectional overrides as visible escapes instead.
 */

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const escape = (c: string) => {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** `text` with its control characters shown as `\x1b`, `\u202e`, … (a line break within a name too). */
export const safe = (text: string): string => text.replace(CONTROL, escape);

/** Lines for people on stdout, each made safe. */
export function say(...lines: string[]): void {
  for (const line of lines) process.stdout.write(`${safe(line)}\n`);
}

/** Lines for people on stderr (progress, warnings, errors), each made safe. */
export function tell(...lines: string[]): void {
  for (const line of lines) process.stderr.write(`${safe(line)}\n`);
}

/**
 * One JSON document for programs on stdout. JSON.stringify already escapes C0; the rest of CONTROL
 * passes it raw, so it is escaped here too (as `\u009b`: still the same string to a JSON reader).
 */
export function sayJson(value: unknown): void {
  const json = JSON.stringify(value).replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  process.stdout.write(`${json}\n`);
}

/** "1 epoch", "2 epochs"; `many` for the irregular ones ("1 class", "3 classes"). */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
