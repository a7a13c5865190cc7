/**
 * The training settings as the forms hold them (a new run, the freeze experiment): the contract's
 * defaults to start from, the number fields with the contract's limits, and the input they send.
 */
import { runConfigSchema, type RunConfig, type RunConfigInput } from '@contract/api.ts';
import { computed, reactive, ref } from 'vue';
import { fieldError } from './errors.ts';

export type NumberKey = 'epochs' | 'batchSize' | 'learningRate' | 'momentum' | 'seed' | 'trainLimit' | 'testLimit' | 'snapshotsPerEpoch';

export interface NumberField {
  key: NumberKey;
  label: string;
  min?: number;
  max?: number;
  step?: number | 'any';
  title?: string;
}

export const NUMBER_FIELDS: readonly NumberField[] = [
  { key: 'epochs', label: 'epochs', min: 1, max: 1000 },
  { key: 'batchSize', label: 'batch', min: 1, max: 4096 },
  { key: 'learningRate', label: 'learning rate', min: 0, step: 'any' },
  { key: 'momentum', label: 'momentum', min: 0, max: 0.999, step: 0.05, title: 'SGD only' },
  { key: 'seed', label: 'seed', min: 0 },
  { key: 'trainLimit', label: 'train images', min: 1, title: 'The first N training images (empty: all)' },
  { key: 'testLimit', label: 'test images', min: 1, title: 'The first N test images (empty: all)' },
  { key: 'snapshotsPerEpoch', label: 'first-epoch snapshots', min: 1, max: 100, title: 'Snapshots inside the first epoch, where filters move most' },
];

/** Fields the config fields component shows; errors for any other field go under the form. */
export const CONFIG_FIELDS: readonly string[] = [...NUMBER_FIELDS.map((f) => f.key), 'optimizer', 'backend', 'freeze'];

/** A fresh set of settings: the contract's defaults, the optional image limits unset. */
export function configDraft(): RunConfig {
  const defaults = runConfigSchema.parse({});
  return { ...defaults, freeze: [...defaults.freeze], trainLimit: undefined, testLimit: undefined };
}

/** An emptied number field holds '' (v-model.number): it means "not set", not 0. */
const optional = (v: number | string | undefined) => (v === '' || v === undefined || v === null ? undefined : Number(v));

/** What the form sends: a plain copy, with the optional limits left out when empty. */
export function configInput(draft: RunConfig): RunConfigInput {
  return { ...draft, freeze: [...draft.freeze], trainLimit: optional(draft.trainLimit), testLimit: optional(draft.testLimit) };
}

/**
 * A form around the config fields: its settings, the API's errors by field, the busy flag while it
 * sends, and the errors that have no field on the form (`ownFields`: the form's other fields).
 */
export function useConfigForm(ownFields: readonly string[] = []) {
  const config = reactive(configDraft());
  const errors = ref<Record<string, string>>({});
  const busy = ref(false);
  const strayErrors = computed(() =>
    Object.fromEntries(Object.entries(errors.value).filter(([k]) => !CONFIG_FIELDS.includes(k) && !ownFields.includes(k))),
  );

  async function send(action: (input: RunConfigInput) => Promise<void>): Promise<void> {
    errors.value = {};
    busy.value = true;
    try {
      await action(configInput(config));
    } catch (err) {
      // The API names the field as "config.epochs": show it beside "epochs"; no field: under the form.
      const { field, message } = fieldError(err);
      errors.value[field?.replace(/^config\./, '') ?? 'form'] = message;
    } finally {
      busy.value = false;
    }
  }

  return { config, errors, busy, strayErrors, send };
}
