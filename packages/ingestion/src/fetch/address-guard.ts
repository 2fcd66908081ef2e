/**
 * Network safety: by default the crawler never connects to private, loopback, link-local or
 * otherwise special addresses. The check runs on the resolved address at connect time (so DNS
 * rebinding cannot sneak past it) and on every redirect target.
 */
import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { CiteError } from '@cite/core/errors.js';

const blocked = new net.BlockList();
for (const [addr, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(addr, prefix, 'ipv4');
}
for (const [addr, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64], // discard-only
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215)
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(addr, prefix, 'ipv6');
}

/**
 * IPv6 prefixes that carry an IPv4 address, and where: such an address reaches (or names) that IPv4
 * host, so it is judged by it. Words are the 16-bit groups of the IPv6 address.
 */
const EMBEDDING: ReadonlyArray<{ prefix: [ipaddr.IPv6, number]; v4: (w: number[]) => Array<[number, number]> }> = [
  // IPv4-compatible ::a.b.c.d (deprecated, still routed to a.b.c.d by some stacks)
  { prefix: ipaddr.IPv6.parseCIDR('::/96'), v4: (w) => [[w[6]!, w[7]!]] },
  // IPv4-mapped ::ffff:a.b.c.d
  { prefix: ipaddr.IPv6.parseCIDR('::ffff:0:0/96'), v4: (w) => [[w[6]!, w[7]!]] },
  // IPv4-translated ::ffff:0:a.b.c.d (RFC 6145)
  { prefix: ipaddr.IPv6.parseCIDR('::ffff:0:0:0/96'), v4: (w) => [[w[6]!, w[7]!]] },
  // NAT64 well-known prefix 64:ff9b::a.b.c.d (RFC 6052)
  { prefix: ipaddr.IPv6.parseCIDR('64:ff9b::/96'), v4: (w) => [[w[6]!, w[7]!]] },
  // 6to4 2002:AABB:CCDD::/48
  { prefix: ipaddr.IPv6.parseCIDR('2002::/16'), v4: (w) => [[w[1]!, w[2]!]] },
  // Teredo 2001:0:SSSS:SSSS:…:CCCC:CCCC: server, and client (stored inverted)
  { prefix: ipaddr.IPv6.parseCIDR('2001::/32'), v4: (w) => [[w[2]!, w[3]!], [~w[6]! & 0xffff, ~w[7]! & 0xffff]] },
];

const dotted = ([hi, lo]: [number, number]) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * An IPv6 address, whatever its spelling: the URL parser first writes it in canonical hex (ipaddr.js 1.x
 * reads a dotted IPv4 tail only after ::ffff:, so "::127.0.0.1" would not parse).
 */
function parseIPv6(ip: string): ipaddr.IPv6 | undefined {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (net.isIP(bare) !== 6) return undefined;
  try {
    const canonical = new URL(`http://[${bare}]/`).hostname.replace(/^\[|\]$/g, '');
    return ipaddr.IPv6.parse(canonical);
  } catch {
    return undefined;
  }
}

/** The IPv4 addresses an IPv6 address carries (IPv4-compatible, -mapped, -translated, NAT64, 6to4, Teredo). */
export function embeddedIPv4(ip: string): string[] {
  const v6 = parseIPv6(ip);
  if (!v6) return [];
  const found = EMBEDDING.find((e) => v6.match(e.prefix));
  return found ? found.v4(v6.parts).map(dotted) : [];
}

/** True for addresses a public crawler must not reach (and for anything that is not an IP address). */
export function isPrivateAddress(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = net.isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family !== 6) return true;
  // an IPv6 form of an IPv4 address is judged by that IPv4 address too
  if (embeddedIPv4(bare).some((v4) => blocked.check(v4, 'ipv4'))) return true;
  const v6 = parseIPv6(bare);
  return !v6 || blocked.check(v6.toNormalizedString(), 'ipv6');
}

export const privateAddressError = (host: string, ip: string) =>
  new CiteError(
    'FETCH_PRIVATE_ADDRESS',
    `Refused to connect to ${host} (${ip}): private, loopback and link-local addresses are blocked ` +
      '(set CRAWLER_ALLOW_PRIVATE_NETWORKS=true to allow them)',
    { status: 400 },
  );

/** Host names that are private whatever DNS says. */
export function isLocalHostName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.local') || h.endsWith('.internal');
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/** A `lookup` for net.connect that refuses private addresses after resolution. */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const list = addresses as dns.LookupAddress[];
      if (!allowPrivate) {
        const bad = list.find((a) => isPrivateAddress(a.address));
        if (bad) return callback(privateAddressError(hostname, bad.address) as unknown as NodeJS.ErrnoException, '');
      }
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
      callback(null, first.address, first.family);
    });
  };
}

/** Checks a URL before any connection: literal IPs skip DNS lookup, so they are judged here. */
export function assertHostAllowed(url: URL, allowPrivate: boolean): void {
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host) && isPrivateAddress(host)) throw privateAddressError(url.hostname, host);
  if (isLocalHostName(host)) throw privateAddressError(url.hostname, host);
}
