import { describe, expect, it } from 'vitest';
import { Validity, parseInstant } from './validity.js';

const at = (iso: string) => new Date(iso);
const DAY = 24 * 60 * 60 * 1000;

describe('Validity', () => {
  describe('fixed', () => {
    const validity = Validity.fixed(at('2026-03-01T00:00:00Z'), at('2026-04-01T00:00:00Z'));

    it('gives every coupon the same window, whenever it is claimed', () => {
      expect(validity.windowFrom(at('2026-02-10T12:00:00Z'))).toEqual({ validFrom: at('2026-03-01T00:00:00Z'), validUntil: at('2026-04-01T00:00:00Z') });
      expect(validity.windowFrom(at('2026-03-15T12:00:00Z'))).toEqual({ validFrom: at('2026-03-01T00:00:00Z'), validUntil: at('2026-04-01T00:00:00Z') });
    });

    it('has ended at validUntil itself, not a millisecond before', () => {
      expect(validity.endsBy(at('2026-03-31T23:59:59.999Z'))).toBe(false);
      expect(validity.endsBy(at('2026-04-01T00:00:00.000Z'))).toBe(true);
    });

    it('needs validFrom before validUntil', () => {
      expect(() => Validity.fixed(at('2026-04-01T00:00:00Z'), at('2026-04-01T00:00:00Z'))).toThrow(
        expect.objectContaining({ code: 'INVALID_COUPON_TEMPLATE', details: { field: 'validity.validUntil' } }),
      );
      expect(() => Validity.fixed(at('2026-05-01T00:00:00Z'), at('2026-04-01T00:00:00Z'))).toThrow(
        expect.objectContaining({ code: 'INVALID_COUPON_TEMPLATE' }),
      );
      expect(() => Validity.fixed(new Date(Number.NaN), at('2026-04-01T00:00:00Z'))).toThrow(expect.objectContaining({ code: 'INVALID_COUPON_TEMPLATE' }));
    });

    it('round-trips its snapshot (ISO date-times)', () => {
      expect(validity.toSnapshot()).toEqual({ validFrom: '2026-03-01T00:00:00.000Z', validUntil: '2026-04-01T00:00:00.000Z' });
      expect(Validity.fromSnapshot(validity.toSnapshot()).toSnapshot()).toEqual(validity.toSnapshot());
      expect(Validity.fromSnapshot({ validFrom: '2026-03-01T08:00:00+08:00', validUntil: '2026-03-02T00:00:00Z' }).toSnapshot()).toEqual({
        validFrom: '2026-03-01T00:00:00.000Z',
        validUntil: '2026-03-02T00:00:00.000Z',
      });
    });
  });

  describe('relative', () => {
    it('runs validDays from the moment of the claim', () => {
      expect(Validity.relative(7).windowFrom(at('2026-03-01T10:30:00Z'))).toEqual({
        validFrom: at('2026-03-01T10:30:00Z'),
        validUntil: at('2026-03-08T10:30:00Z'),
      });
      expect(Validity.relative(3650).windowFrom(at('2026-01-01T00:00:00Z')).validUntil.getTime()).toBe(at('2026-01-01T00:00:00Z').getTime() + 3650 * DAY);
    });

    it('never ends for claiming (each coupon gets a fresh window)', () => {
      expect(Validity.relative(1).endsBy(at('2999-01-01T00:00:00Z'))).toBe(false);
    });

    it.each([0, -1, 3651, 1.5, Number.NaN])('refuses %s days', (days) => {
      expect(() => Validity.relative(days)).toThrow(expect.objectContaining({ code: 'INVALID_COUPON_TEMPLATE', details: { field: 'validity.validDays' } }));
    });

    it('accepts 1 and 3650 days and round-trips its snapshot', () => {
      expect(Validity.fromSnapshot({ validDays: 1 }).toSnapshot()).toEqual({ validDays: 1 });
      expect(Validity.fromSnapshot({ validDays: 3650 }).toSnapshot()).toEqual({ validDays: 3650 });
    });
  });

  it.each([{}, { validFrom: '2026-03-01T00:00:00Z' }, null, { validFrom: 'yesterday', validUntil: '2026-03-01T00:00:00Z' }])(
    'refuses the snapshot %j',
    (snapshot) => {
      expect(() => Validity.fromSnapshot(snapshot as never)).toThrow(expect.objectContaining({ code: 'INVALID_COUPON_TEMPLATE' }));
    },
  );
});

describe('parseInstant', () => {
  it('reads ISO-8601 date-times with an offset and nothing else', () => {
    expect(parseInstant('x', '2026-03-01T00:00:00Z')).toEqual(at('2026-03-01T00:00:00Z'));
    expect(parseInstant('x', '2026-03-01T00:00:00.123+01:00')).toEqual(at('2026-02-28T23:00:00.123Z'));
    for (const bad of ['2026-03-01', '2026-03-01T00:00:00', 'March 1, 2026', '', 1_700_000_000_000, null, '2026-13-01T00:00:00Z']) {
      expect(() => parseInstant('claimStartsAt', bad)).toThrow(
        expect.objectContaining({ code: 'INVALID_COUPON_TEMPLATE', details: { field: 'claimStartsAt' } }),
      );
    }
  });
});
