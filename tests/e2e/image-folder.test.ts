/**
 * A folder of images added from the data sets page, end to end: the form with its options, then the
 * class counts, the files left out and the sample grid, each checked against what the API stored, and
 * a run trained on it from the new-run form.
 */
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classFolders, encode, fashion, grey28, imageDirs, ofClass, tinted, writeTree } from '../unit/datasets/image-folders.ts';
import { HOST, openApp, type OpenApp } from './harness.ts';

let app: OpenApp;

beforeAll(async () => {
  app = await openApp({ viewport: { width: 1440, height: 1000 } });
});

afterAll(async () => {
  await app?.close();
});

/** The RGBA pixels a canvas shows. (The Node project has no DOM types: the canvas is typed by what is used.) */
const canvasPixels = (canvas: Locator) =>
  canvas.evaluate((el) => {
    const c = el as unknown as { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } };
    return { width: c.width, height: c.height, data: Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data) };
  });

describe(`a folder of images on the data sets page (${HOST} host)`, () => {
  it('is added with the chosen options, and the page shows its classes, the files left out and what the network sees', async () => {
    const { root } = imageDirs('my-clothes');
    await classFolders(root, [0, 1, 5, 7], 30);
    await classFolders(root, [8], 8);
    const bags = ofClass(8, 4, 8);
    for (const [n, i] of bags.entries()) writeTree(root, { [`Bag/colour-${n}.png`]: await encode(tinted(grey28(fashion(i).pixels)), 'png') });
    writeTree(root, { 'Bag/notes.txt': 'where these came from', 'Sandal/cut.png': (await encode(grey28(fashion(0).pixels), 'png')).subarray(0, 50), 'thumbs.db': 'x' });

    await app.goto('#/datasets');
    const form = app.page.locator('form.path-form');
    await form.locator('input[name="path"]').fill(root);
    await form.locator('select[name="fit"]').selectOption('squash');
    await form.locator('input[name="holdout"]').fill('20');
    await form.getByRole('button', { name: 'Add' }).click();

    const detail = app.page.getByTestId('dataset-detail');
    await detail.getByRole('heading', { name: 'my-clothes' }).waitFor();
    await detail.locator('canvas').waitFor();
    const [info] = (await app.call('datasets.list', {})).filter((d) => d.format === 'images');
    expect(info).toMatchObject({ shape: [32, 32, 3], images: { folder: root, options: { fit: 'squash', holdout: 0.2 } } });

    // The class counts as stored, and the imbalance (Bag has fewer images than the others).
    const rows = await app.page.getByTestId('class-counts').locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => Array.from((tr as unknown as { cells: ArrayLike<{ textContent: string }> }).cells, (td) => td.textContent.trim())),
    );
    const perClass = info!.train.perClass;
    expect(rows).toEqual(info!.classes.map((c, k) => [`${k} · ${c}`, String(perClass[k]), String(info!.test.perClass[k]), '']));
    const ratio = Math.max(...perClass) / Math.min(...perClass);
    expect(ratio).toBeGreaterThan(2);
    expect(await app.page.getByTestId('class-counts').locator('caption').textContent()).toContain(`${ratio.toFixed(1)}×`);

    // Every file left out, with the reason stored.
    const skipped = await app.page.getByTestId('skipped-files').locator('tr').allTextContents();
    expect(skipped).toHaveLength(info!.images!.skippedCount);
    info!.images!.skipped.forEach((s, n) => expect(skipped[n]).toBe(`${s.file}${s.reason}`));
    expect(await app.page.getByTestId('image-report').textContent()).toContain('20.0% of each class held out');

    // The sample grid is the prepared 32×32 colour images, pixel for pixel.
    const samples = await app.call('datasets.samples', { id: info!.id, perClass: 10 });
    const shown = await canvasPixels(detail.locator('canvas'));
    samples.labels.forEach((label, n) => {
      const column = samples.labels.slice(0, n).filter((l) => l === label).length;
      for (const [x, y] of [[0, 0], [16, 16], [31, 31], [5, 20]] as const) {
        const at = ((label * 33 + y) * shown.width + column * 33 + x) * 4;
        const from = (n * 1024 + y * 32 + x) * 3;
        expect(shown.data.slice(at, at + 3)).toEqual([...samples.images.slice(from, from + 3)]);
      }
    });
    await app.screenshot('dataset-image-folder');
    expect(app.errors).toEqual([]);
  });

  it('trains LeNet from the new-run form, with one output per class of the folder', async () => {
    const [dataset] = (await app.call('datasets.list', {})).filter((d) => d.format === 'images');
    await app.goto('#/runs');
    await app.page.getByRole('button', { name: 'New run' }).click();
    const form = app.page.getByTestId('new-run');
    await form.locator('select[name="datasetId"]').selectOption(String(dataset!.id));
    await form.locator('input[name="epochs"]').fill('1');
    await form.locator('input[name="batchSize"]').fill('16');
    await form.locator('select[name="backend"]').selectOption('wasm');
    await form.getByRole('button', { name: 'Start training' }).click();
    await expect.poll(async () => (await app.call('runs.list', {})).map((r) => r.status).join(), { interval: 1000 }).toBe('done');
    const [run] = await app.call('runs.list', {});
    expect(run).toMatchObject({ datasetId: dataset!.id, inputShape: [32, 32, 3] });
    const detail = await app.call('runs.get', { id: run!.id });
    expect(detail.classes).toEqual(dataset!.classes);
    expect((await app.call('weights.get', { runId: run!.id, tensor: 'fc2/kernel', seq: 1 })).shape).toEqual([500, 5]);
    expect((await app.call('weights.get', { runId: run!.id, tensor: 'conv1/kernel', seq: 1 })).shape).toEqual([5, 5, 3, 20]);
    expect(app.errors).toEqual([]);
  });

  it('says why a folder is refused, beside the path, and adds nothing', async () => {
    const { root } = imageDirs('one-class');
    await classFolders(root, [3], 5);
    await app.goto('#/datasets');
    const form = app.page.locator('form.path-form');
    await form.locator('input[name="path"]').fill(root);
    await form.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => app.page.locator('#dataset-path-error').textContent()).toContain('only one class (Dress/) holds files');
    await app.screenshot('dataset-image-folder-refused');
    expect((await app.call('datasets.list', {})).filter((d) => d.images?.folder === root)).toEqual([]);
  });
});
