/**
 * Network safety: by default the crawler never connects to private, loopback, link-local or
 * otherwise special addresses. The check runs on the resolved address at connect time (so DNS
 * rebinding cannot sneak past it) and on every redirect target.
 */
import dns from 'node:dns';
import net from 'node:net';
import { CiteError } from '@cite/engine/errors.js';

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
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
] as const) {
  blocked.addSubnet(addr, prefix, 'ipv6');
}

/** True for addresses a public crawler must not reach. */
export function isPrivateAddress(ip: string): boolean {
  const family = net.isIP(ip);
  if (family === 4) return blocked.check(ip, 'ipv4');
  if (family === 6) {
    const lower = ip.toLowerCase();
    // IPv4-mapped (::ffff:10.0.0.1) is judged by the IPv4 address it carries.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped) return blocked.check(mapped[1]!, 'ipv4');
    return blocked.check(lower, 'ipv6');
  }
  return true;
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

/** Resolves a host and checks it (used by the browser, which connects by itself). */
export async function assertResolvesPublic(url: URL, allowPrivate: boolean): Promise<void> {
  assertHostAllowed(url, allowPrivate);
  if (allowPrivate || net.isIP(url.hostname.replace(/^\[|\]$/g, ''))) return;
  const list = await dns.promises.lookup(url.hostname, { all: true });
  const bad = list.find((a) => isPrivateAddress(a.address));
  if (bad) throw privateAddressError(url.hostname, bad.address);
}
