// @vitest-environment happy-dom
/**
 * The forms and the app shell mounted in a DOM against the real core in its own process (a fresh
 * SQLite file, the real handlers): errors land beside their field, a data set offered from outside the form (a drop, the
 * desktop menu) is added there with its error in place, and the desktop menu's commands reach the page.
 */
import { flushPromises, mount } from '@vue/test-utils';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import App from '../../../../src-renderer/src/App.vue';
import DatasetPathField from '../../../../src-renderer/src/components/DatasetPathField.vue';
import FreezeExperimentForm from '../../../../src-renderer/src/components/compare/FreezeExperimentForm.vue';
import NewRunForm from '../../../../src-renderer/src/components/NewRunForm.vue';
import RunsPage from '../../../../src-renderer/src/pages/RunsPage.vue';
import { createWebHashHistory, type Router } from 'vue-router';
import { setApi } from '../../../../src-renderer/src/lib/context.ts';
import { createAppRouter } from '../../../../src-renderer/src/router.ts';
import { useDatasetsStore } from '../../../../src-renderer/src/stores/datasets.ts';
import { startCoreProcess, type CoreProcess } from '../core-process.ts';

const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

let dir: string;
let core: CoreProcess;
let pinia: Pinia;
let router: Router;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wl-components-'));
  core = await startCoreProcess(join(dir, 'test.db'));
  setApi(core.client);
  router = createAppRouter(createWebHashHistory());
  await router.push('/runs');
  pinia = createPinia();
  setActivePinia(pinia);
  await useDatasetsStore().refresh();
});

afterEach(async () => {
  core.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the training settings in both forms', () => {
  it('checks the new-run form with the contract’s schema: every error at once, in words, linked to its field, the first focused', async () => {
    const form = mount(NewRunForm, { global: { plugins: [pinia] }, attachTo: document.body });
    await form.find('input[name="epochs"]').setValue('0');
    await form.find('input[name="batchSize"]').setValue('5000');
    await form.find('input[name="learningRate"]').setValue('');
    await form.find('form').trigger('submit');
    await flushPromises();
    const said = { epochs: 'at least 1 epoch', batchSize: 'a batch of at most 4096 images', learningRate: 'a learning rate is needed' };
    for (const [name, message] of Object.entries(said)) {
      const input = form.find(`input[name="${name}"]`);
      expect(input.attributes('aria-invalid'), name).toBe('true');
      expect(document.getElementById(input.attributes('aria-describedby')!)!.textContent).toBe(message);
    }
    expect(form.findAll('[aria-invalid="true"]')).toHaveLength(3);
    expect(document.activeElement).toBe(form.find('input[name="epochs"]').element);
    expect(form.findAll('[role="alert"]')).toHaveLength(0);
    // The API (and so the CLI and HTTP) says the same words, from the same schema.
    const datasetId = useDatasetsStore().datasets[0]!.id;
    await expect(core.client.call('runs.start', { datasetId, config: { epochs: 0 } })).rejects.toThrow(/config\.epochs: at least 1 epoch$/);
    expect(await core.client.call('runs.list', {})).toEqual([]);

    // Fixed, the settings pass the page's check; what only the API checks (the name) lands beside its field.
    await form.find('input[name="epochs"]').setValue('1');
    await form.find('input[name="batchSize"]').setValue('64');
    await form.find('input[name="learningRate"]').setValue('0.01');
    await form.find('input[name="name"]').setValue('a\u0007b');
    await form.find('form').trigger('submit');
    const name = form.find('input[name="name"]');
    await expect.poll(() => name.attributes('aria-invalid')).toBe('true');
    expect(document.getElementById(name.attributes('aria-describedby')!)!.textContent).toMatch(/control characters/);
    expect(form.findAll('[aria-invalid="true"]')).toHaveLength(1);
    expect(document.activeElement).toBe(name.element);
    expect(await core.client.call('runs.list', {})).toEqual([]);

    const momentumShown = () => form.find('input[name="momentum"]').element.parentElement!.style.display !== 'none';
    expect(momentumShown()).toBe(true);
    await form.find('select[name="optimizer"]').setValue('adam');
    expect(momentumShown()).toBe(false);
    form.unmount();
  });

  it('offers the same fields in the freeze experiment, limits saying how many images “all” is', async () => {
    const dataset = useDatasetsStore().datasets[0]!;
    const form = mount(FreezeExperimentForm, { props: { dataset }, global: { plugins: [pinia] }, attachTo: document.body });
    expect(form.find('input[name="trainLimit"]').attributes('placeholder')).toBe('all 6,000');
    expect(form.find('input[name="testLimit"]').attributes('placeholder')).toBe('all 1,000');
    expect(form.find('input[name="snapshotsPerEpoch"]').exists()).toBe(true);
    expect(form.find('input[type="checkbox"]').exists()).toBe(false);
    await form.find('input[name="batchSize"]').setValue('5000');
    await form.find('form').trigger('submit');
    await flushPromises();
    const batch = form.find('input[name="batchSize"]');
    expect(batch.attributes('aria-invalid')).toBe('true');
    expect(document.getElementById(batch.attributes('aria-describedby')!)!.textContent).toBe('a batch of at most 4096 images');
    form.unmount();
  });
});

describe('a data set offered from outside the form', () => {
  it('is added by the data sets page’s field, its path and error shown there', async () => {
    const store = useDatasetsStore();
    const field = mount(DatasetPathField, { props: { takeOffers: true }, global: { plugins: [pinia] } });
    const missing = join(dir, 'not-here');
    store.offer(missing);
    await expect.poll(() => field.find('#dataset-path-error').text()).toContain('not-here');
    expect((field.find('input[name="path"]').element as HTMLInputElement).value).toBe(missing);
    expect(store.incoming).toBeNull();

    store.offer(FASHION_MNIST);
    await expect.poll(() => field.emitted('added')?.length).toBe(1);
    expect(field.emitted('added')![0]![0]).toMatchObject({ format: 'idx', path: FASHION_MNIST });
    expect(store.datasets.map((d) => d.path)).toContain(FASHION_MNIST);
    expect(field.find('#dataset-path-error').attributes('hidden')).toBeDefined();
    field.unmount();
  });

  it('is left for the data sets page by a field that does not take offers (the new-run form’s)', async () => {
    const store = useDatasetsStore();
    const field = mount(DatasetPathField, { global: { plugins: [pinia] } });
    store.offer('/somewhere');
    await flushPromises();
    expect(store.incoming).toBe('/somewhere');
    field.unmount();
  });
});

describe('the desktop menu', () => {
  it('opens the new-run form, and the help with the version', async () => {
    const app = mount(App, { global: { plugins: [pinia, router] }, attachTo: document.body });
    // The shell has subscribed and knows the host once app.info is in.
    await expect.poll(() => app.text()).toMatch(/v\d+\.\d+\.\d+/);
    await core.emit('menu.command', { command: 'new-run' });
    await expect.poll(() => app.find('[data-testid="new-run"]').exists()).toBe(true);
    expect(router.currentRoute.value).toMatchObject({ name: 'runs', query: { new: '1' } });

    await core.emit('menu.command', { command: 'about' });
    await flushPromises();
    const help = app.find('[data-testid="shortcut-help"]');
    expect((help.element as HTMLDialogElement).open).toBe(true);
    expect(help.text()).toMatch(/Weightlapse v\d+\.\d+\.\d+/);
    app.unmount();
  });
});

describe('the pages’ URLs', () => {
  it('opens the page, run and view state of every link the app has ever made', () => {
    expect(router.resolve('/run/12?cmap=grey&layer=conv2&seq=7')).toMatchObject({
      name: 'run', params: { runId: '12' }, query: { cmap: 'grey', layer: 'conv2', seq: '7' },
    });
    expect(router.resolve('/compare?runs=3%2C4&epoch=2')).toMatchObject({ name: 'compare', query: { runs: '3,4', epoch: '2' } });
    expect(router.resolve('/compare?runs=3,4')).toMatchObject({ name: 'compare', query: { runs: '3,4' } });
    expect(router.resolve('/runs?new=1')).toMatchObject({ name: 'runs', query: { new: '1' } });
    expect(router.resolve('/datasets?id=3')).toMatchObject({ name: 'datasets', query: { id: '3' } });
  });

  it('writes them as before, and shows the run list for anything it does not know', () => {
    expect(router.resolve({ name: 'run', params: { runId: 12 }, query: { seq: 7, layer: 'conv2', cmap: 'grey' } }).href).toBe('#/run/12?cmap=grey&layer=conv2&seq=7');
    expect(router.resolve({ name: 'compare', query: { runs: '3,4' } }).href).toBe('#/compare?runs=3%2C4');
    for (const path of ['/', '/run/0', '/run/abc', '/nowhere']) {
      expect(router.resolve(path).matched.map((m) => m.components?.default)).toEqual([RunsPage]);
    }
  });
});
