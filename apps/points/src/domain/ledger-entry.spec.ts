import { describe, expect, it } from 'vitest';
import { LEDGER_ENTRY_KINDS, ZERO_BALANCE, balanceOfLedger, ledgerKey } from './ledger-entry.js';

describe('ledger entries', () => {
  it('are keyed by kind and reference, so one business fact has one key', () => {
    expect(ledgerKey('FREEZE', 'order-1')).toBe('FREEZE:order-1');
    expect(ledgerKey('DEBT_SETTLED', ledgerKey('EARN', 'order-2'))).toBe('DEBT_SETTLED:EARN:order-2');
    expect(new Set(LEDGER_ENTRY_KINDS.map((kind) => ledgerKey(kind, 'x'))).size).toBe(LEDGER_ENTRY_KINDS.length);
  });

  it('sum to the balances they say an account has', () => {
    expect(balanceOfLedger([])).toEqual(ZERO_BALANCE);
    expect(
      balanceOfLedger([
        { delta: { available: 100, frozen: 0, earned: 100, debt: 0 } },
        { delta: { available: -30, frozen: 30, earned: 0, debt: 0 } },
        { delta: { available: 0, frozen: -30, earned: 0, debt: 0 } },
        { delta: { available: 0, frozen: 0, earned: -20, debt: 20 } },
        { delta: { available: -20, frozen: 0, earned: 0, debt: -20 } },
      ]),
    ).toEqual({ available: 50, frozen: 0, lifetimeEarned: 80, debt: 0 });
  });
});
