import { describe, expect, it } from 'vitest';
import { assertHostAllowed, embeddedIPv4, isPrivateAddress } from './address-guard.js';

describe('isPrivateAddress', () => {
  // [address, private?, why]
  const cases: Array<[string, boolean, string]> = [
    ['127.0.0.1', true, 'IPv4 loopback'],
    ['10.1.2.3', true, 'RFC 1918'],
    ['169.254.169.254', true, 'cloud metadata (link-local)'],
    ['100.64.0.1', true, 'carrier-grade NAT'],
    ['0.0.0.0', true, 'unspecified'],
    ['8.8.8.8', false, 'public IPv4'],
    ['::1', true, 'IPv6 loopback'],
    ['::', true, 'IPv6 unspecified'],
    ['fd00::1', true, 'unique local'],
    ['fe80::1', true, 'link-local'],
    ['fec0::1', true, 'site-local (deprecated)'],
    ['ff02::1', true, 'multicast'],
    ['2001:db8::1', true, 'documentation'],
    ['2606:4700:4700::1111', false, 'public IPv6'],
    // IPv4-compatible (::a.b.c.d): issue 21, finding 10
    ['::127.0.0.1', true, 'IPv4-compatible loopback'],
    ['::7f00:1', true, 'IPv4-compatible loopback, hex spelling (as the URL parser writes it)'],
    ['::10.0.0.1', true, 'IPv4-compatible private'],
    ['::a9fe:a9fe', true, 'IPv4-compatible metadata address'],
    ['::8.8.8.8', false, 'IPv4-compatible public'],
    // IPv4-mapped (::ffff:a.b.c.d)
    ['::ffff:127.0.0.1', true, 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', true, 'IPv4-mapped loopback, hex spelling'],
    ['0:0:0:0:0:ffff:192.168.1.1', true, 'IPv4-mapped private, long form'],
    ['::ffff:8.8.8.8', false, 'IPv4-mapped public'],
    // IPv4-translated (RFC 6145)
    ['::ffff:0:a00:1', true, 'IPv4-translated 10.0.0.1'],
    // 6to4 (2002:AABB:CCDD::/48)
    ['2002:7f00:1::1', true, '6to4 of 127.0.0.1'],
    ['2002:c0a8:101::', true, '6to4 of 192.168.1.1'],
    ['2002:a9fe:a9fe::1', true, '6to4 of 169.254.169.254'],
    ['2002:808:808::1', false, '6to4 of 8.8.8.8'],
    // NAT64 (64:ff9b::/96)
    ['64:ff9b::127.0.0.1', true, 'NAT64 of 127.0.0.1'],
    ['64:ff9b::a00:1', true, 'NAT64 of 10.0.0.1'],
    ['64:ff9b::808:808', false, 'NAT64 of 8.8.8.8'],
    ['64:ff9b:1::1', true, 'local-use NAT64 prefix'],
    // Teredo (client address stored inverted)
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', true, 'Teredo client 127.0.0.1'],
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', false, 'Teredo client 8.8.8.8 through server 65.54.227.120'],
    ['not-an-ip', true, 'not an address'],
  ];

  it.each(cases)('%s → private=%s (%s)', (ip, expected) => {
    expect(isPrivateAddress(ip)).toBe(expected);
  });

  it('reads the IPv4 address carried by IPv6 forms', () => {
    expect(embeddedIPv4('::127.0.0.1')).toEqual(['127.0.0.1']);
    expect(embeddedIPv4('[::ffff:10.0.0.1]')).toEqual(['10.0.0.1']);
    expect(embeddedIPv4('2002:c0a8:101::1')).toEqual(['192.168.1.1']);
    expect(embeddedIPv4('64:ff9b::c0a8:101')).toEqual(['192.168.1.1']);
    expect(embeddedIPv4('2606:4700:4700::1111')).toEqual([]);
    expect(embeddedIPv4('10.0.0.1')).toEqual([]);
  });
});

describe('assertHostAllowed on URLs', () => {
  it.each([
    'http://[::127.0.0.1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[2002:7f00:1::]/',
    'http://[64:ff9b::a9fe:a9fe]/latest/meta-data/',
    'http://127.1/',
    'http://0x7f000001/',
  ])('refuses %s', (raw) => {
    expect(() => assertHostAllowed(new URL(raw), false)).toThrow(expect.objectContaining({ code: 'FETCH_PRIVATE_ADDRESS' }));
  });

  it('lets public literals through, and everything when private networks are allowed', () => {
    expect(() => assertHostAllowed(new URL('http://[2606:4700:4700::1111]/'), false)).not.toThrow();
    expect(() => assertHostAllowed(new URL('http://[::127.0.0.1]/'), true)).not.toThrow();
  });
});
