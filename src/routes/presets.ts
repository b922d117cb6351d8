import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuthService } from '../auth/service.js';
import { currentUser, requireUser } from '../http/auth.js';
import { allowOnly } from '../http/errors.js';
import { parsePresetParams } from '../http/preset-book.js';
import { canonicalVariantQuery } from '../http/variant-query.js';
import type { PresetStore, UserPreset } from '../images/presets.js';
import { Type } from 'typebox';
import { errors, NoContent, requires } from '../schemas/common.js';
import { Preset, PresetCreate, PresetPath, PresetUpdate } from '../schemas/images.js';

export interface PresetRoutesOptions {
  auth: AuthService;
  store: PresetStore;
}

function present(preset: UserPreset) {
  return { name: preset.name, params: preset.params, created_at: preset.createdAt, updated_at: preset.updatedAt };
}

/** The parameters as stored: checked like a content query, in canonical order. */
const canonical = (params: string) => canonicalVariantQuery(parsePresetParams(params));

/**
 * The caller's named presets: `?preset=<name>` on the content path, a signed link in each image's
 * `variants`, allowed by shares by name. A user's preset hides the deployment's of the same name.
 */
export const presetRoutes: FastifyPluginAsyncTypebox<PresetRoutesOptions> = async (app, { auth, store }) => {
  app.decorateRequest('user', null);
  app.addHook('onRequest', requireUser(auth));
  const read = { tags: ['presets'], ...requires('images:read') };
  const write = { tags: ['presets'], ...requires('images:write') };
  const changed =
    'Changing or deleting a preset changes the links it produces: their signature covers its expansion, so links made ' +
    'from the old definition stop working (403), and image JSON fetched afterwards carries new ones.';

  app.post(
    '/presets/',
    {
      schema: {
        ...write,
        operationId: 'createPreset',
        summary: 'Name a set of variant parameters',
        description:
          'Up to 50 per user. `params` takes the parameters of the content path (w, h, fit, position, format, q, dpr, enlarge ' +
          'and the edits) with the same ranges; they are stored in canonical order.',
        body: PresetCreate,
        response: { 201: Preset, ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { name, params } = request.body;
      return reply.code(201).send(present(await store.create(currentUser(request).id, name, canonical(params))));
    },
  );
  app.get(
    '/presets/',
    {
      schema: {
        ...read,
        operationId: 'listPresets',
        summary: 'Your presets, by name',
        response: { 200: Type.Array(Preset), ...errors(401, 403) },
      },
    },
    async (request) => (await store.list(currentUser(request).id)).map(present),
  );
  allowOnly(app, '/presets/', ['GET', 'HEAD', 'POST']);

  app.get(
    '/presets/:name/',
    {
      schema: {
        ...read,
        operationId: 'getPreset',
        summary: 'One preset',
        params: PresetPath,
        response: { 200: Preset, ...errors(401, 403, 404) },
      },
    },
    async (request) => present(await store.get(currentUser(request).id, request.params.name)),
  );
  app.patch(
    '/presets/:name/',
    {
      schema: {
        ...write,
        operationId: 'updatePreset',
        summary: 'Rename or redefine a preset',
        description: changed,
        params: PresetPath,
        body: PresetUpdate,
        response: { 200: Preset, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { name, params } = request.body;
      const changes = { ...(name === undefined ? {} : { name }), ...(params === undefined ? {} : { params: canonical(params) }) };
      return present(await store.update(currentUser(request).id, request.params.name, changes));
    },
  );
  app.delete(
    '/presets/:name/',
    {
      schema: {
        ...write,
        operationId: 'deletePreset',
        summary: 'Delete a preset',
        description: changed,
        params: PresetPath,
        response: { 204: NoContent, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await store.delete(currentUser(request).id, request.params.name);
      return reply.code(204).send(null);
    },
  );
  allowOnly(app, '/presets/:name/', ['GET', 'HEAD', 'PATCH', 'DELETE']);
};
