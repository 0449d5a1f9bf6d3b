import { describe, expect, it } from 'vitest';
import { LEDGER_ENTRY_KINDS as CONTRACT_LEDGER_ENTRY_KINDS, POINTS_RESERVATION_REJECTION_REASONS as CONTRACT_REJECTION_REASONS } from '@shop/contracts';
import { LEDGER_ENTRY_KINDS } from '../domain/ledger-entry.js';
import { POINTS_RESERVATION_REJECTION_REASONS } from '../domain/order-points.js';

// The domain keeps its own copies of these lists (it imports only the shared kernel); the published
// language must say exactly what the domain writes.
describe('the domain’s lists and the published contract', () => {
  it('name the same ledger entry kinds, in the same order', () => {
    expect(LEDGER_ENTRY_KINDS).toEqual(CONTRACT_LEDGER_ENTRY_KINDS);
  });

  it('name the same reservation rejection reasons', () => {
    expect(POINTS_RESERVATION_REJECTION_REASONS).toEqual(CONTRACT_REJECTION_REASONS);
  });
});
