import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Range = [Address, number];

/** Why an address is refused, as the user reads it: "The address resolves to <reason> (<address>)". */
interface NamedRange {
  cidr: string;
  reason: string;
}

/**
 * IPv4 ranges an outbound call never reaches unless the operator opens them (IANA's special-purpose
 * registry, RFC 6890 and successors). Cloud metadata addresses sit inside these and are named first.
 */
const IPV4_REFUSED: readonly NamedRange[] = [
  { cidr: '169.254.169.254/32', reason: 'a cloud metadata service' },
  { cidr: '169.254.170.2/32', reason: 'a cloud metadata service' },
  { cidr: '100.100.100.200/32', reason: 'a cloud metadata service' },
  { cidr: '192.0.0.192/32', reason: 'a cloud metadata service' },
  { cidr: '0.0.0.0/8', reason: 'the "this network" range' },
  { cidr: '10.0.0.0/8', reason: 'a private network' },
  { cidr: '100.64.0.0/10', reason: 'a carrier-grade NAT network' },
  { cidr: '127.0.0.0/8', reason: 'a loopback address' },
  { cidr: '169.254.0.0/16', reason: 'a link-local address' },
  { cidr: '172.16.0.0/12', reason: 'a private network' },
  { cidr: '192.0.0.0/24', reason: 'a reserved protocol range' },
  { cidr: '192.0.2.0/24', reason: 'a documentation range' },
  { cidr: '192.31.196.0/24', reason: 'a reserved protocol range' },
  { cidr: '192.52.193.0/24', reason: 'a reserved protocol range' },
  { cidr: '192.88.99.0/24', reason: 'a reserved relay range' },
  { cidr: '192.168.0.0/16', reason: 'a private network' },
  { cidr: '192.175.48.0/24', reason: 'a reserved protocol range' },
  { cidr: '198.18.0.0/15', reason: 'a benchmarking range' },
  { cidr: '198.51.100.0/24', reason: 'a documentation range' },
  { cidr: '203.0.113.0/24', reason: 'a documentation range' },
  { cidr: '224.0.0.0/4', reason: 'a multicast address' },
  { cidr: '255.255.255.255/32', reason: 'the broadcast address' },
  { cidr: '240.0.0.0/4', reason: 'a reserved range' },
];

/** IPv6 ranges refused outright. Forms that embed an IPv4 address are decided by that address instead (below). */
const IPV6_REFUSED: readonly NamedRange[] = [
  { cidr: 'fd00:ec2::254/128', reason: 'a cloud metadata service' },
  { cidr: '::/128', reason: 'the unspecified address' },
  { cidr: '::1/128', reason: 'a loopback address' },
  { cidr: '64:ff9b:1::/48', reason: 'a local NAT64 range' },
  { cidr: '100::/64', reason: 'a discard-only range' },
  { cidr: '2001:db8::/32', reason: 'a documentation range' },
  { cidr: '2001::/23', reason: 'a reserved protocol range' },
  { cidr: '3fff::/20', reason: 'a documentation range' },
  { cidr: 'fc00::/7', reason: 'a private network (unique local)' },
  { cidr: 'fe80::/10', reason: 'a link-local address' },
  { cidr: 'fec0::/10', reason: 'a site-local address' },
  { cidr: 'ff00::/8', reason: 'a multicast address' },
];

const GLOBAL_UNICAST_V6: Range = ipaddr.parseCIDR('2000::/3');

function compile(table: readonly NamedRange[]): { range: Range; reason: string }[] {
  return table.map(({ cidr, reason }) => ({ range: ipaddr.parseCIDR(cidr), reason }));
}

const V4_TABLE = compile(IPV4_REFUSED);
const V6_TABLE = compile(IPV6_REFUSED);

/**
 * Operator's additions: OUTBOUND_ALLOW opens, OUTBOUND_DENY closes (deny wins). Hosts match exactly
 * or, written `.example.com`, any subdomain.
 */
export interface OutboundRules {
  allow: readonly string[];
  deny: readonly string[];
}

export type Decision = { allowed: true; opened: boolean } | { allowed: false; reason: string };

function inRange(address: Address, [base, bits]: Range): boolean {
  return address.kind() === base.kind() && address.match([base, bits] as never);
}

/**
 * The IPv4 address an IPv6 form carries and delivers to: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible
 * (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002:AABB:CCDD::/48). Null for other addresses.
 */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const parts = address.parts;
  const v4 = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  if (address.isIPv4MappedAddress()) return address.toIPv4Address();
  if (parts.slice(0, 6).every((part) => part === 0) && (parts[6] !== 0 || parts[7]! > 1)) return v4(parts[6]!, parts[7]!);
  if (parts[0] === 0x64 && parts[1] === 0xff9b && parts.slice(2, 6).every((part) => part === 0)) return v4(parts[6]!, parts[7]!);
  if (parts[0] === 0x2002) return v4(parts[1]!, parts[2]!);
  return null;
}

/** Why the built-in table refuses an address, or null when it is a public unicast address. */
function builtInRefusal(address: Address): string | null {
  if (address.kind() === 'ipv4') return V4_TABLE.find((entry) => inRange(address, entry.range))?.reason ?? null;
  const v6 = address as ipaddr.IPv6;
  const embedded = embeddedIpv4(v6);
  if (embedded) return builtInRefusal(embedded);
  const named = V6_TABLE.find((entry) => inRange(v6, entry.range));
  if (named) return named.reason;
  return inRange(v6, GLOBAL_UNICAST_V6) ? null : 'a reserved range';
}

/** Parses an address as written in a URL host or a DNS answer (brackets allowed); null if it is not one. */
export function parseAddress(text: string): Address | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!ipaddr.isValid(bare)) return null;
  // IPv4 only in its four-part decimal form here: URL parsing has already turned 0x7f.1 and 2130706433 into it.
  if (!bare.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(bare)) return null;
  return ipaddr.parse(bare);
}

function matchesRule(rule: string, host: string | null, address: Address | null): boolean {
  if (rule.includes('/')) {
    if (!address) return false;
    const range = ipaddr.parseCIDR(rule);
    const candidate = address.kind() === 'ipv6' && range[0].kind() === 'ipv4' ? embeddedIpv4(address as ipaddr.IPv6) : address;
    return candidate !== null && inRange(candidate, range);
  }
  const asAddress = parseAddress(rule);
  if (asAddress) return address !== null && address.toNormalizedString() === asAddress.toNormalizedString();
  if (!host) return false;
  const name = rule.toLowerCase();
  return name.startsWith('.') ? host.endsWith(name) : host === name;
}

/**
 * Whether an outbound call may connect to `address`, reached through `host` (the name in the URL,
 * lower-case, without a trailing dot; null when the URL gave the address itself). Pure: the whole
 * SSRF decision, tested as a table.
 */
export function decideAddress(address: Address, host: string | null, rules: OutboundRules): Decision {
  const shown = address.toString();
  if (rules.deny.some((rule) => matchesRule(rule, host, address))) {
    return {
      allowed: false,
      reason: `The address ${host ? `resolves to an address (${shown}) that` : `${shown}`} is closed by OUTBOUND_DENY.`,
    };
  }
  if (rules.allow.some((rule) => matchesRule(rule, host, address))) return { allowed: true, opened: true };
  const refusal = builtInRefusal(address);
  if (refusal === null) return { allowed: true, opened: false };
  return { allowed: false, reason: `The address ${host ? 'resolves to' : 'is'} ${refusal} (${shown}) and is not allowed.` };
}

/** Checks an OUTBOUND_ALLOW/OUTBOUND_DENY entry: a CIDR, an address, a host name or `.domain`. Returns why it is not one, or null. */
export function ruleProblem(rule: string): string | null {
  if (rule.includes('/')) return ipaddr.isValidCIDR(rule) ? null : `"${rule}" is not a CIDR range`;
  if (ipaddr.isValid(rule)) return null;
  return /^\.?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(rule)
    ? null
    : `"${rule}" is neither an address, a CIDR range nor a host name`;
}
