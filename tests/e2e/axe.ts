/** axe-core on a page of the app, in both themes: what tests/e2e/accessibility.test.ts and the pages' own tests check. */
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * axe's violations on the page as it is now, in the dark theme and then the light one (the system's, as
 * the page follows it), one line each: theme, rule, impact, the offending elements. `within` (a CSS
 * selector): only that part of the page, for a test of one panel (the whole run page takes axe seconds).
 */
export async function axeViolations(page: Page, within?: string): Promise<string[]> {
  const found: string[] = [];
  for (const scheme of ['dark', 'light'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(scheme);
    const builder = new AxeBuilder({ page });
    const result = await (within ? builder.include(within) : builder).analyze();
    found.push(...result.violations.map((v) => `${scheme}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`));
  }
  await page.emulateMedia({ colorScheme: 'dark' });
  return found;
}
