/**
 * Saying that a run ended, where the person is: the page's own notices (App.vue), and a system
 * notification where the browser allows one (asked for when a run is started, a click that means "tell
 * me"). The desktop app denies web permissions (src-main/electron/security.ts): there, the notices alone.
 */
import type { RunSummary } from '@contract/api.ts';
import { percent } from './format.ts';

const supported = () => typeof Notification !== 'undefined';

/** How a run ended, in a few words after its name. */
export function endedText(r: Pick<RunSummary, 'status' | 'bestTestAccuracy' | 'error'>): string {
  if (r.status === 'done') return `finished, best test accuracy ${percent(r.bestTestAccuracy, 2)}`;
  if (r.status === 'failed') return `failed${r.error ? `: ${r.error}` : ''}`;
  if (r.status === 'interrupted') return 'was interrupted (resume it from the runs list)';
  return r.status;
}

/** Asks, once, to show system notifications (call it from the click that starts a run). */
export function askToNotify(): void {
  if (supported() && Notification.permission === 'default') void Notification.requestPermission().catch(() => undefined);
}

/** A system notification that `r` ended, where permitted. */
export function notifyEnded(r: RunSummary): void {
  if (supported() && Notification.permission === 'granted') new Notification(`${r.name} ${endedText(r)}`, { tag: `run-${r.id}` });
}
