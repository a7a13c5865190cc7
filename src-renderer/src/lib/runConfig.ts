/**
 * The training settings as the forms hold them (a new run, the freeze experiment): the contract's
 * defaults to start from, the number fields with the contract's limits, the input they send, and its
 * check in the page with the contract's own schema (so the page says what the API and the CLI say).
 */
import { runConfigSchema, type RunConfig, type RunConfigInput } from '@contract/api.ts';
import { computed, nextTick, reactive, ref, useTemplateRef } from 'vue';
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

/** Every problem of the settings at once, by field, in the schema's words (the first one of each field). */
export function configErrors(input: RunConfigInput): Record<string, string> {
  const result = runConfigSchema.safeParse(input);
  const errors: Record<string, string> = {};
  if (!result.success) for (const issue of result.error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message;
  return errors;
}

/** The id of the message under field `key` of a form, for the field's aria-describedby. */
export const errorId = (form: string, key: string) => `${form}-${key}-error`;

/**
 * A form around the config fields: its settings, the errors by field (the page's own check, then the
 * API's), the busy flag while it sends, and the errors that have no field on the form (`ownFields`: the
 * form's other fields). The form element is the template's `ref="form"`: after a refusal its first invalid
 * field takes the focus. Called in a component's setup.
 */
export function useConfigForm(ownFields: readonly string[] = []) {
  const config = reactive(configDraft());
  const errors = ref<Record<string, string>>({});
  const busy = ref(false);
  const form = useTemplateRef<HTMLFormElement>('form');
  const strayErrors = computed(() =>
    Object.fromEntries(Object.entries(errors.value).filter(([k]) => !CONFIG_FIELDS.includes(k) && !ownFields.includes(k))),
  );

  async function focusFirstError(): Promise<void> {
    await nextTick();
    form.value?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }

  /** Checks the settings (and `own`: the form's errors in its other fields), then sends them with `action`. */
  async function send(action: (input: RunConfigInput) => Promise<void>, own: Record<string, string> = {}): Promise<void> {
    const input = configInput(config);
    errors.value = { ...own, ...configErrors(input) };
    if (Object.keys(errors.value).length > 0) return focusFirstError();
    busy.value = true;
    try {
      await action(input);
    } catch (err) {
      // The API names the field as "config.epochs": show it beside "epochs"; no field: under the form.
      const { field, message } = fieldError(err);
      errors.value[field?.replace(/^config\./, '') ?? 'form'] = message;
      await focusFirstError();
    } finally {
      busy.value = false;
    }
  }

  return { config, errors, busy, strayErrors, send };
}
