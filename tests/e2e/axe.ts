/** axe-core on a page of the app, in both themes: what tests/e2e/accessibility.test.ts and the pages' own tests check. */
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** The rules whose verdict depends on colours: the only ones a second theme can change. */
const COLOUR_RULES = ['color-contrast', 'link-in-text-block'];

/**
 * axe's violations on the page as it is now, every rule in the dark theme and then the colour rules in the
 * light one (the system's, as the page follows it), one line each: theme, rule, impact, the offending
 * elements. (The whole rule set a second time costs as long again on a run page, about 5 s, and sees the
 * same structure.) `within` (a CSS selector): only that part of the page, for a test of one panel.
 */
export async function axeViolations(page: Page, within?: string): Promise<string[]> {
  const found: string[] = [];
  for (const scheme of ['dark', 'light'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(scheme);
    const builder = new AxeBuilder({ page });
    if (within) builder.include(within);
    const result = await (scheme === 'dark' ? builder : builder.withRules(COLOUR_RULES)).analyze();
    found.push(...result.violations.map((v) => `${scheme}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`));
  }
  await page.emulateMedia({ colorScheme: 'dark' });
  return found;
}
