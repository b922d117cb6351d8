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

/** How many users' parsed presets a process keeps (each at most 50 presets). */
const CACHED_USERS = 1_000;

/** Where presets are looked up by name: the user's own win over the deployment's of the same name. */
export class PresetBook {
  private readonly deployment: NamedPreset[];
  /** Users' merged presets by user id, with the stamp they were read at. */
  private readonly cache = new Map<number, { stamp: number; presets: readonly NamedPreset[] }>();

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

  /**
   * Every preset a user's images have: the deployment's in their order, the user's after them (or in
   * their place). With the user's presets stamp (read with the image: users.presets_stamp) nothing is
   * looked up for a user who never had a preset, and a user's parsed presets are reused until a change
   * raises the stamp, which every process and instance reads from the database.
   */
  async forUser(userId: number, stamp?: number): Promise<readonly NamedPreset[]> {
    if (stamp === 0) return this.deployment;
    const cached = this.cache.get(userId);
    if (stamp !== undefined && cached?.stamp === stamp) return cached.presets;
    const own = await this.store.list(userId);
    const mine = new Map(own.map((preset) => [preset.name, { name: preset.name, params: parsePresetParams(preset.params), custom: true }]));
    const merged = this.deployment.map((preset) => mine.get(preset.name) ?? preset);
    for (const preset of mine.values()) if (!this.deployment.some((shared) => shared.name === preset.name)) merged.push(preset);
    if (stamp !== undefined) {
      if (this.cache.size >= CACHED_USERS) this.cache.clear();
      this.cache.set(userId, { stamp, presets: merged });
    }
    return merged;
  }
}
