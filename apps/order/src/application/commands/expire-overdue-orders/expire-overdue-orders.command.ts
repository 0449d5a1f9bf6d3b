/** What expiring one overdue order came to: cancelled, not due after all (a reply or payment got there first), or gone. */
export type ExpireOrderOutcome = 'cancelled' | 'not-due' | 'missing';
