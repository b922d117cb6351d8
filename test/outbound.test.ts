import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { decideAddress, parseAddress, ruleProblem, type OutboundRules } from '../src/net/address-policy.js';
import { OutboundClient, OutboundError, type Resolver } from '../src/net/outbound.js';

const NONE: OutboundRules = { allow: [], deny: [] };

/** The host part of a URL as the WHATWG parser leaves it: how every spelling of an address reaches the policy. */
function decideUrl(url: string, rules: OutboundRules = NONE) {
  const hostname = new URL(url).hostname;
  const address = parseAddress(hostname);
  assert.ok(address, `${url} should name an address`);
  return decideAddress(address, null, rules);
}

/** [spelling, refused?, words the reason must hold]. No address here is ever connected to: the decision is pure. */
const TABLE: [string, boolean, string?][] = [
  // IPv4, every special-purpose range
  ['http://0.0.0.0/', true, 'this network'],
  ['http://0.1.2.3/', true, 'this network'],
  ['http://10.0.0.7/', true, 'private network (10.0.0.7)'],
  ['http://10.255.255.255/', true, 'private'],
  ['http://100.64.0.1/', true, 'carrier-grade NAT'],
  ['http://100.127.255.254/', true, 'carrier-grade NAT'],
  ['http://100.128.0.1/', false],
  ['http://127.0.0.1/', true, 'loopback'],
  ['http://127.255.255.254/', true, 'loopback'],
  ['http://169.254.0.1/', true, 'link-local'],
  ['http://169.254.169.254/', true, 'cloud metadata'],
  ['http://169.254.170.2/', true, 'cloud metadata'],
  ['http://100.100.100.200/', true, 'cloud metadata'],
  ['http://192.0.0.192/', true, 'cloud metadata'],
  ['http://172.16.0.1/', true, 'private'],
  ['http://172.31.255.255/', true, 'private'],
  ['http://172.32.0.1/', false],
  ['http://172.15.255.255/', false],
  ['http://192.0.0.8/', true, 'reserved protocol'],
  ['http://192.0.2.1/', true, 'documentation'],
  ['http://192.88.99.1/', true, 'relay'],
  ['http://192.168.1.1/', true, 'private'],
  ['http://198.18.0.1/', true, 'benchmarking'],
  ['http://198.19.255.255/', true, 'benchmarking'],
  ['http://198.51.100.7/', true, 'documentation'],
  ['http://203.0.113.9/', true, 'documentation'],
  ['http://224.0.0.1/', true, 'multicast'],
  ['http://239.255.255.250/', true, 'multicast'],
  ['http://240.0.0.1/', true, 'reserved'],
  ['http://255.255.255.255/', true, 'broadcast'],
  ['http://8.8.8.8/', false],
  ['http://93.184.215.14/', false],
  // Other spellings of 127.0.0.1 and 10.0.0.7: decimal, octal, hex, short forms
  ['http://2130706433/', true, 'loopback'],
  ['http://0x7f000001/', true, 'loopback'],
  ['http://0x7f.1/', true, 'loopback'],
  ['http://0177.0.0.1/', true, 'loopback'],
  ['http://0177.0.0.01/', true, 'loopback'],
  ['http://127.1/', true, 'loopback'],
  ['http://127.0.1/', true, 'loopback'],
  ['http://167772167/', true, 'private'],
  ['http://0xa.0.0.7/', true, 'private'],
  ['http://012.0.0.7/', true, 'private'],
  ['http://0/', true, 'this network'],
  ['http://%31%32%37.0.0.1/', true, 'loopback'],
  ['http://127.0.0.1./', true, 'loopback'],
  // IPv6
  ['http://[::]/', true, 'unspecified'],
  ['http://[::1]/', true, 'loopback'],
  ['http://[0:0:0:0:0:0:0:1]/', true, 'loopback'],
  ['http://[fe80::1]/', true, 'link-local'],
  ['http://[febf::1]/', true, 'link-local'],
  ['http://[fec0::1]/', true, 'site-local'],
  ['http://[fc00::1]/', true, 'unique local'],
  ['http://[fd12:3456::1]/', true, 'unique local'],
  ['http://[fd00:ec2::254]/', true, 'cloud metadata'],
  ['http://[ff02::1]/', true, 'multicast'],
  ['http://[2001:db8::1]/', true, 'documentation'],
  ['http://[3fff::1]/', true, 'documentation'],
  ['http://[2001::1]/', true, 'reserved protocol'],
  ['http://[100::1]/', true, 'discard'],
  ['http://[64:ff9b:1::1]/', true, 'local NAT64'],
  ['http://[4000::1]/', true, 'reserved'],
  ['http://[2606:4700::1111]/', false],
  // IPv6 forms that carry an IPv4 address: decided by that address
  ['http://[::ffff:127.0.0.1]/', true, 'loopback'],
  ['http://[::ffff:7f00:1]/', true, 'loopback'],
  ['http://[::ffff:10.0.0.7]/', true, 'private'],
  ['http://[::ffff:169.254.169.254]/', true, 'cloud metadata'],
  ['http://[::ffff:100.64.0.1]/', true, 'carrier-grade NAT'],
  ['http://[::ffff:0.0.0.0]/', true, 'this network'],
  ['http://[::ffff:8.8.8.8]/', false],
  ['http://[::127.0.0.1]/', true, 'loopback'],
  ['http://[::10.0.0.7]/', true, 'private'],
  ['http://[64:ff9b::127.0.0.1]/', true, 'loopback'],
  ['http://[64:ff9b::a9fe:a9fe]/', true, 'cloud metadata'],
  ['http://[64:ff9b::808:808]/', false],
  ['http://[2002:7f00:1::]/', true, 'loopback'],
  ['http://[2002:a00:7::1]/', true, 'private'],
  ['http://[2002:808:808::1]/', false],
  ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', true, 'reserved protocol'],
];

describe('outbound address policy (a pure decision, every special range and spelling)', () => {
  test(`the table: ${TABLE.length} address forms`, () => {
    for (const [url, refused, words] of TABLE) {
      const decision = decideUrl(url);
      assert.equal(!decision.allowed, refused, `${url}: ${JSON.stringify(decision)}`);
      if (!decision.allowed && words) assert.ok(decision.reason.includes(words), `${url}: "${decision.reason}" lacks "${words}"`);
    }
  });

  test('the reason names the address and says it is not allowed', () => {
    const decision = decideAddress(parseAddress('10.0.0.7')!, 'intranet.example', NONE);
    assert.deepEqual(decision, { allowed: false, reason: 'The address resolves to a private network (10.0.0.7) and is not allowed.' });
  });

  test('OUTBOUND_ALLOW opens ranges, addresses and hosts; OUTBOUND_DENY closes and wins', () => {
    const rules: OutboundRules = {
      allow: ['127.0.0.1/32', '10.1.0.0/16', 'minio.internal', '.corp.example'],
      deny: ['8.8.4.4', 'bad.example'],
    };
    assert.deepEqual(decideUrl('http://127.0.0.1/', rules), { allowed: true, opened: true });
    assert.equal(decideUrl('http://127.0.0.2/', rules).allowed, false);
    // A range opened in IPv4 also opens its IPv4-mapped spelling.
    assert.equal(decideUrl('http://[::ffff:127.0.0.1]/', rules).allowed, true);
    assert.equal(decideUrl('http://10.1.2.3/', rules).allowed, true);
    assert.equal(decideUrl('http://10.2.0.1/', rules).allowed, false);
    assert.deepEqual(decideAddress(parseAddress('10.9.9.9')!, 'minio.internal', rules), { allowed: true, opened: true });
    assert.deepEqual(decideAddress(parseAddress('10.9.9.9')!, 'a.corp.example', rules), { allowed: true, opened: true });
    assert.equal(decideAddress(parseAddress('10.9.9.9')!, 'corp.example.evil', rules).allowed, false);
    assert.equal(decideUrl('http://8.8.4.4/', rules).allowed, false);
    assert.equal(decideAddress(parseAddress('8.8.8.8')!, 'bad.example', rules).allowed, false);
    assert.equal(
      decideAddress(parseAddress('127.0.0.1')!, 'bad.example', { allow: ['127.0.0.1/32'], deny: ['bad.example'] }).allowed,
      false,
    );
  });

  test('rule syntax is checked', () => {
    assert.equal(ruleProblem('10.0.0.0/8'), null);
    assert.equal(ruleProblem('::1'), null);
    assert.equal(ruleProblem('.example.com'), null);
    assert.match(ruleProblem('10.0.0.0/33')!, /CIDR/);
    assert.match(ruleProblem('bad host!')!, /neither/);
  });
});

/** A resolver that answers from a table and counts its questions: no test asks a DNS server. */
function tableResolver(answers: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolver = async (hostname: string) => {
    calls.push(hostname);
    const addresses = answers[hostname];
    if (!addresses) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolver, { calls });
}

function client(resolver: Resolver, rules: OutboundRules = NONE, extra: Partial<ConstructorParameters<typeof OutboundClient>[0]> = {}) {
  return new OutboundClient({
    rules,
    ports: [],
    connectTimeoutMs: 2000,
    firstByteTimeoutMs: 2000,
    totalTimeoutMs: 5000,
    maxRedirects: 5,
    resolver,
    userAgent: 'test',
    ...extra,
  });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof OutboundError, String(error));
    return error.message;
  }
  assert.fail('expected a refusal');
}

describe('outbound client: DNS answers through an injected resolver (nothing connects but to 127.0.0.1)', () => {
  let server: Server;
  let port = 0;
  const hosts: (string | undefined)[] = [];
  before(async () => {
    server = createServer((request, response) => {
      hosts.push(request.headers.host);
      if (request.url === '/to-loopback-2') {
        response.writeHead(302, { location: `http://127.0.0.2:${port}/` }).end();
        return;
      }
      if (request.url === '/to-rebound') {
        response.writeHead(302, { location: `http://rebound.test:${port}/` }).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('a name that resolves to a private address is refused without connecting', async () => {
    const resolver = tableResolver({ 'intranet.test': ['10.0.0.7'] });
    const message = await refusal(client(resolver).target(new URL('http://intranet.test/')));
    assert.equal(message, 'The address resolves to a private network (10.0.0.7) and is not allowed.');
  });

  test('every address of a name must pass: one private answer among public ones refuses it', async () => {
    const resolver = tableResolver({ 'mixed.test': ['93.184.215.14', '127.0.0.1'] });
    assert.match(await refusal(client(resolver).target(new URL('https://mixed.test/'))), /loopback/);
    const v6 = tableResolver({ 'six.test': ['2606:4700::1111', '::ffff:169.254.169.254'] });
    assert.match(await refusal(client(v6).target(new URL('https://six.test/'))), /cloud metadata/);
  });

  test('a public name on a port other than 80/443 is refused unless OUTBOUND_PORTS allows it', async () => {
    const resolver = tableResolver({ 'public.test': ['93.184.215.14'] });
    assert.match(await refusal(client(resolver).target(new URL('http://public.test:8080/'))), /Port 8080 is not allowed/);
    assert.deepEqual(await client(resolver, NONE, { ports: [8080] }).target(new URL('http://public.test:8080/')), {
      address: '93.184.215.14',
      family: 4,
    });
  });

  test('schemes other than http(s) and URLs with credentials are refused', async () => {
    const resolver = tableResolver({});
    for (const [url, words] of [
      ['ftp://example.test/a.png', 'Only http and https'],
      ['file:///etc/passwd', 'Only http and https'],
      ['gopher://127.0.0.1:6379/', 'Only http and https'],
      ['http://user:secret@example.test/', 'credentials'],
      ['not a url', 'valid URL'],
    ] as const) {
      assert.ok((await refusal(client(resolver).get(url))).includes(words), url);
    }
    assert.deepEqual(resolver.calls, []);
  });

  test('the name is resolved once and the connection goes to the checked address (no second lookup to rebind)', async () => {
    hosts.length = 0;
    const resolver = tableResolver({ 'images.test': ['127.0.0.1'] });
    const response = await client(resolver, { allow: ['127.0.0.1/32'], deny: [] }).get(`http://images.test:${port}/a.png`);
    assert.equal(response.status, 200);
    response.body.resume();
    assert.deepEqual(resolver.calls, ['images.test']);
    assert.deepEqual(hosts, [`images.test:${port}`]);
  });

  test('refused by default, fetched when the range is opened', async () => {
    assert.match(await refusal(client(tableResolver({})).get(`http://127.0.0.1:${port}/`)), /loopback/);
    const response = await client(tableResolver({}), { allow: ['127.0.0.1/32'], deny: [] }).get(`http://127.0.0.1:${port}/`);
    assert.equal(response.status, 200);
    response.body.resume();
  });

  test('a redirect from an allowed server to a refused address is refused before connecting', async () => {
    hosts.length = 0;
    const rules = { allow: ['127.0.0.1/32'], deny: [] };
    assert.match(
      await refusal(client(tableResolver({}), rules).get(`http://127.0.0.1:${port}/to-loopback-2`)),
      /loopback address \(127\.0\.0\.2\)/,
    );
    // DNS rebinding through a redirect: the second name resolves to a refused address and is checked too.
    const resolver = tableResolver({ 'rebound.test': ['127.0.0.2'] });
    assert.match(await refusal(client(resolver, rules).get(`http://127.0.0.1:${port}/to-rebound`)), /loopback address \(127\.0\.0\.2\)/);
    // Only the allowed server was reached.
    assert.deepEqual(hosts, [`127.0.0.1:${port}`, `127.0.0.1:${port}`]);
  });
});
