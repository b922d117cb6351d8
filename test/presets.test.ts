import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { api, fetchBytes, fixture, onBackend, register, upload, useServer } from '../testkit/index.js';

interface ImageJson {
  id: number;
  variants: Record<string, string>;
}
interface PresetJson {
  name: string;
  params: string;
  created_at: string;
  updated_at: string;
}
interface PublicJson {
  images: { variants: Record<string, { stable: string; immutable: string }> }[];
}

describe(onBackend('named presets per user'), () => {
  const running = useServer({ VARIANT_PRESETS: 'thumb=64x64:cover,small=120' });
  const path = (url: string) => url.replace(running.base, '');
  const size = async (bytes: Buffer) => {
    const meta = await sharp(bytes).metadata();
    return [meta.format, meta.width, meta.height];
  };

  test('create, list, read, change and delete; parameters checked like a query and stored in canonical order', async () => {
    const token = await register(running.base);
    const created = await api<PresetJson>(running.base, '/presets/', {
      method: 'POST',
      token,
      json: { name: 'card', params: 'format=webp&position=attention&fit=cover&h=300&w=400' },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.params, 'w=400&h=300&fit=cover&position=attention&format=webp');
    assert.deepEqual(
      (await api<PresetJson[]>(running.base, '/presets/', { token })).body.map((preset) => preset.name),
      ['card'],
    );
    assert.equal((await api<PresetJson>(running.base, '/presets/card/', { token })).body.params, created.body.params);

    for (const [json, expected] of [
      [{ name: 'Card Two', params: 'w=10' }, { name: ['Use 1 to 32 lower-case letters, digits, - and _, starting with a letter.'] }],
      [{ name: 'card', params: 'w=10' }, { name: ['You already have a preset with this name.'] }],
      [{ name: 'two', params: 'w=0' }, { params: ['w: Ensure this value is greater than or equal to 1.'] }],
      [{ name: 'two', params: 'w=10&w=20' }, { params: ['w: Given more than once; give it once.'] }],
      [{ name: 'two', params: 'w=10&rotate=45' }, { params: ['rotate: "45" is not a valid choice. Choose one of: 0, 90, 180, 270.'] }],
      [
        { name: 'two', params: 'w=10&position=attention' },
        { params: ['position: Only with fit=cover and both w and h: the other fits keep the whole image.'] },
      ],
      [{ name: 'two', params: 'exp=1' }, { params: [/^exp: Unknown query parameter\. Known: w, h, fit, /] }],
      [{ name: 'two', params: 'preset=card' }, { params: [/^preset: Unknown query parameter\./] }],
      [{ name: 'two', params: 'sig=x' }, { params: [/^sig: Unknown query parameter\./] }],
      [{ name: 'two', params: '' }, { params: ['Ensure this field has at least 1 characters.'] }],
      [{ name: 'two', params: 'x' }, { params: [/^x: Unknown query parameter\./] }],
    ] as const) {
      const refused = await api<Record<string, string[]>>(running.base, '/presets/', { method: 'POST', token, json });
      assert.equal(refused.status, 400, JSON.stringify(json));
      const [field, [message]] = Object.entries(expected)[0]!;
      assert.deepEqual(Object.keys(refused.body), [field], refused.text);
      if (typeof message === 'string') assert.deepEqual(refused.body[field], [message]);
      else assert.match(refused.body[field]![0]!, message!);
    }
    assert.equal((await api<PresetJson[]>(running.base, '/presets/', { token })).body.length, 1, 'refusals changed nothing');

    const changed = await api<PresetJson>(running.base, '/presets/card/', {
      method: 'PATCH',
      token,
      json: { params: 'w=100&grayscale=true' },
    });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.body.params, 'w=100&fit=inside&format=auto&grayscale=true');
    const renamed = await api<PresetJson>(running.base, '/presets/card/', { method: 'PATCH', token, json: { name: 'tile' } });
    assert.equal(renamed.body.name, 'tile');
    assert.equal((await api(running.base, '/presets/card/', { token })).status, 404);
    assert.equal((await api(running.base, '/presets/tile/', { method: 'DELETE', token })).status, 204);
    assert.equal((await api(running.base, '/presets/tile/', { method: 'DELETE', token })).status, 404);
    assert.deepEqual((await api(running.base, '/presets/', { token })).body, []);
  });

  test("used by name: the owner path, the image JSON's signed links (the user's win over the deployment's), edits included", async () => {
    const token = await register(running.base);
    const image = (await upload<ImageJson>(running.base, token, fixture('Landscape_6.jpg'))).body;
    await api(running.base, '/presets/', { method: 'POST', token, json: { name: 'card', params: 'w=400&h=300&fit=cover&format=webp' } });
    await api(running.base, '/presets/', { method: 'POST', token, json: { name: 'thumb', params: 'w=50&h=40&fit=cover&format=png' } });
    await api(running.base, '/presets/', { method: 'POST', token, json: { name: 'turned', params: 'w=100&rotate=90&format=png' } });
    const json = (await api<ImageJson>(running.base, `/images/${image.id}/`, { token })).body;
    assert.deepEqual(Object.keys(json.variants), ['thumb', 'small', 'card', 'turned'], "the deployment's first, the user's after");
    assert.match(json.variants.card!, /\/media\/\d+\/\d+\?preset=card&exp=\d+&sig=/);
    const owner = (query: string) => fetchBytes(`${running.base}/images/${image.id}/content?${query}`, { authorization: `Token ${token}` });
    assert.deepEqual(await size((await fetchBytes(json.variants.card!)).bytes), ['webp', 400, 300]);
    assert.deepEqual(await size((await owner('preset=card')).bytes), ['webp', 400, 300]);
    assert.deepEqual(await size((await fetchBytes(json.variants.thumb!)).bytes), ['png', 50, 40], "the user's thumb, not the deployment's");
    assert.deepEqual(await size((await owner('preset=thumb')).bytes), ['png', 50, 40]);
    assert.deepEqual(await size((await fetchBytes(json.variants.turned!)).bytes), ['png', 100, 150], 'rotated, then 100 wide');
    assert.deepEqual(
      await size((await owner('preset=card&h=100&format=png')).bytes),
      ['png', 400, 100],
      'parameters beside a preset change it',
    );
    const mixed = await api(running.base, `/images/${image.id}/content?preset=turned&position=north`, { token });
    assert.deepEqual(mixed.body, { position: ['Only with fit=cover and both w and h: the other fits keep the whole image.'] });

    // The signature covers the expansion: anything added, or a changed or deleted preset, ends the link.
    const link = json.variants.card!;
    for (const [name, value] of [
      ['w', '10'],
      ['preset', 'turned'],
      ['blur', '3'],
    ]) {
      const bent = new URL(link);
      bent.searchParams.set(name!, value!);
      assert.equal((await fetchBytes(bent.toString())).status, 403, name);
    }
    await api(running.base, '/presets/card/', { method: 'PATCH', token, json: { params: 'w=200&h=100&fit=cover&format=webp' } });
    assert.equal((await fetchBytes(link)).status, 403, 'the old definition');
    const fresh = (await api<ImageJson>(running.base, `/images/${image.id}/`, { token })).body.variants.card!;
    assert.deepEqual(await size((await fetchBytes(fresh)).bytes), ['webp', 200, 100]);
    await api(running.base, '/presets/card/', { method: 'DELETE', token });
    assert.equal((await fetchBytes(fresh)).status, 403, 'deleted');
  });

  test("isolation: another user's preset names are unknown to me, in queries, links and shares", async () => {
    const alice = await register(running.base);
    const bob = await register(running.base);
    await api(running.base, '/presets/', { method: 'POST', token: alice, json: { name: 'secret', params: 'w=77' } });
    const mine = (await upload<ImageJson>(running.base, bob, fixture('Landscape_1.jpg'))).body;
    assert.equal((await api(running.base, '/presets/secret/', { token: bob })).status, 404);
    assert.deepEqual((await api(running.base, '/presets/', { token: bob })).body, []);
    const unknown = await api(running.base, `/images/${mine.id}/content?preset=secret`, { token: bob });
    assert.deepEqual(unknown.body, { preset: ['Unknown preset. Choose one of: thumb, small.'] });
    assert.deepEqual(Object.keys(mine.variants), ['thumb', 'small']);
    const link = new URL(mine.variants.small!);
    link.search = `?preset=secret&exp=${link.searchParams.get('exp')}&sig=${link.searchParams.get('sig')}`;
    assert.equal((await fetchBytes(link.toString())).status, 403);
    const share = await api(running.base, '/shares/', { method: 'POST', token: bob, json: { image: mine.id, presets: ['secret'] } });
    assert.equal(share.status, 400);
    assert.deepEqual(share.body, { presets: ['Unknown presets: secret (you have thumb, small).'] });
  });

  test('shares allow them by name; a changed definition is another immutable URL', async () => {
    const token = await register(running.base);
    const image = (await upload<ImageJson>(running.base, token, fixture('Landscape_3.jpg'))).body;
    await api(running.base, '/presets/', { method: 'POST', token, json: { name: 'banner', params: 'w=300&h=100&fit=cover&format=jpeg' } });
    const created = await api<{ url: string }>(running.base, '/shares/', {
      method: 'POST',
      token,
      json: { image: image.id, presets: ['banner'] },
    });
    assert.equal(created.status, 201, created.text);
    const visit = async () =>
      (await api<PublicJson>(running.base, path(created.body.url), { headers: { accept: 'application/json' } })).body;
    const urls = (await visit()).images[0]!.variants.banner!;
    assert.deepEqual(Object.keys((await visit()).images[0]!.variants), ['banner'], 'only what the share allows');
    assert.deepEqual(await size((await fetchBytes(urls.stable)).bytes), ['jpeg', 300, 100]);
    assert.deepEqual(await size((await fetchBytes(urls.immutable)).bytes), ['jpeg', 300, 100]);
    await api(running.base, '/presets/banner/', { method: 'PATCH', token, json: { params: 'w=200&h=100&fit=cover&format=jpeg' } });
    const after = (await visit()).images[0]!.variants.banner!;
    assert.notEqual(after.immutable, urls.immutable, 'a new definition, a new immutable URL');
    assert.equal((await fetchBytes(urls.immutable)).status, 404, 'the old immutable URL named the old definition');
    assert.deepEqual(await size((await fetchBytes(after.immutable)).bytes), ['jpeg', 200, 100]);
    assert.deepEqual(await size((await fetchBytes(urls.stable)).bytes), ['jpeg', 200, 100], 'the stable URL follows the preset');
  });
});
