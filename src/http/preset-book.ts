import type { ValidateFunction } from 'ajv';
import type { VariantPreset } from '../config.js';
import { InvalidInput } from '../errors.js';
import type { PresetStore } from '../images/presets.js';
import { textValidator } from '../plugins/validation.js';
import { PresetParamsQuery, type VariantQuery } from '../schemas/images.js';
import { validationBody } from './errors.js';
import { presetParams, variantParamsFromQuery, type NamedPreset, type VariantParams } from './variant-query.js';

/** Compiled on first use: an Ajv instance and its compilation cost start-up time that most processes never need. */
let validateParams: ValidateFunction<VariantQuery> | undefined;

/**
 * A preset's parameter string read as the content path reads a query: the same names, ranges and
 * messages, each prefixed with the parameter it is about, under `params`.
 */
export function parsePresetParams(text: string): VariantParams {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const fail = (errors: Record<string, string[]>): never => {
    throw new InvalidInput({ params: Object.entries(errors).flatMap(([name, messages]) => messages.map((m) => `${name}: ${m}`)) });
  };
  validateParams ??= textValidator().compile<VariantQuery>(PresetParamsQuery);
  if (!validateParams(query)) return fail(validationBody(validateParams.errors ?? [], 'querystring'));
  try {
    const params = variantParamsFromQuery(query as VariantQuery, []);
    if (params) return params;
  } catch (error) {
    if (error instanceof InvalidInput) return fail(error.fields);
    throw error;
  }
  return fail({ params: ['Give at least one variant parameter, e.g. w=400&h=300&fit=cover.'] });
}

/** Where presets are looked up by name: the user's own win over the deployment's of the same name. */
export class PresetBook {
  private readonly deployment: NamedPreset[];

  constructor(
    deployment: readonly VariantPreset[],
    private readonly store: PresetStore,
  ) {
    this.deployment = deployment.map((preset) => ({ name: preset.name, params: presetParams(preset), custom: false }));
  }

  /** The deployment's presets alone (for what has no owner to ask). */
  get shared(): readonly NamedPreset[] {
    return this.deployment;
  }

  /** Every preset a user's images have: the deployment's in their order, the user's after them (or in their place). */
  async forUser(userId: number): Promise<NamedPreset[]> {
    const own = await this.store.list(userId);
    const mine = new Map(own.map((preset) => [preset.name, { name: preset.name, params: parsePresetParams(preset.params), custom: true }]));
    const merged = this.deployment.map((preset) => mine.get(preset.name) ?? preset);
    for (const preset of mine.values()) if (!this.deployment.some((shared) => shared.name === preset.name)) merged.push(preset);
    return merged;
  }
}
