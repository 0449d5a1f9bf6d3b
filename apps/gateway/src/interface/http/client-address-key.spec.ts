import { describe, expect, it } from 'vitest';
import { clientAddressKeyOf } from './client-address-key.js';

describe('clientAddressKeyOf', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(clientAddressKeyOf('203.0.113.7')).toBe('203.0.113.7');
  });

  it('keys every IPv6 address of one /64 the same, however it is written', () => {
    const keys = [
      '2001:db8:1:2::1',
      '2001:db8:1:2:ffff:ffff:ffff:ffff',
      '2001:0DB8:0001:0002:0:0:0:abcd',
      '2001:db8:1:2::1%eth0',
      '2001:db8:1:2::192.0.2.1',
    ].map(clientAddressKeyOf);
    expect(new Set(keys)).toEqual(new Set(['2001:db8:1:2::/64']));
    expect(clientAddressKeyOf('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(clientAddressKeyOf('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressKeyOf('fe80::1')).toBe('fe80:0:0:0::/64');
  });

  it('keys an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(clientAddressKeyOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKeyOf('::FFFF:cb00:7107')).toBe('203.0.113.7');
    expect(clientAddressKeyOf('0:0:0:0:0:ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('keeps what is not an address as it came', () => {
    expect(clientAddressKeyOf('unknown')).toBe('unknown');
    expect(clientAddressKeyOf('')).toBe('');
  });
});
