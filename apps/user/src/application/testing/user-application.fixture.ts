import { ManualClock } from '@shop/shared-kernel';
import { InMemoryEventOutbox, InMemoryUnitOfWork } from '@shop/testing';
import { FakeAccessTokenIssuer } from './fake-access-token-issuer.js';
import { FakePasswordHasher } from './fake-password-hasher.js';
import { InMemoryUserRepository } from './in-memory-user.repository.js';

/** Every port of the user context's use cases, in memory, wired to one unit of work. */
export function userApplicationFixture() {
  const unitOfWork = new InMemoryUnitOfWork();
  const outbox = new InMemoryEventOutbox(unitOfWork);
  const users = new InMemoryUserRepository(unitOfWork, outbox);
  return {
    users,
    outbox,
    unitOfWork,
    hasher: new FakePasswordHasher(),
    tokens: new FakeAccessTokenIssuer(),
    clock: new ManualClock(new Date('2026-02-01T08:00:00.000Z')),
  };
}

export type UserApplicationFixture = ReturnType<typeof userApplicationFixture>;
