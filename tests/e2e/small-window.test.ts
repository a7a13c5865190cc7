/**
 * A small window (1024×700), on each host: no page is wider than the window (a horizontal scroll bar
 * hides the right-hand side of every row). Where one is, the test names the elements that stick out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST, openApp, type OpenApp } from './harness.ts';

let app: OpenApp;

/** How far the page is wider than the window, and the innermost elements that reach beyond it. */
const overflow = () =>
  app.page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const beyond = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > width + 0.5 && ![...e.children].some((c) => c.getBoundingClientRect().right > width + 0.5))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}${e.className && typeof e.className === 'string' ? `.${e.className.trim().split(/\s+/).join('.')}` : ''} (right ${Math.round(e.getBoundingClientRect().right)})`);
    return { by: document.documentElement.scrollWidth - width, beyond };
  });

beforeAll(async () => {
  app = await openApp({ viewport: { width: 1024, height: 700 } });
});

afterAll(async () => {
  await app?.close();
});

describe(`a 1024×700 window (${HOST} host)`, () => {
  it('shows the data sets page, the runs list and the new-run form without a horizontal scroll bar', async () => {
    await app.goto('#/datasets');
    await app.page.getByTestId('dataset-detail').waitFor();
    await app.page.getByTestId('dataset-detail').locator('canvas').first().waitFor();
    await expect.poll(overflow).toEqual({ by: 0, beyond: [] });
    await app.goto('#/runs?new=1');
    await app.page.getByTestId('new-run').waitFor();
    await expect.poll(overflow).toEqual({ by: 0, beyond: [] });
    expect(app.errors).toEqual([]);
  });
});
