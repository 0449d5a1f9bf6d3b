import type { UserRepository } from '../../src/application/ports/user.repository.js';
import type { Email } from '../../src/domain/email.js';
import type { User } from '../../src/domain/user.js';

/** Holds the first `parties` arrivals until all of them are there; later arrivals pass at once. */
export class RaceGate {
  private arrived = 0;
  private open!: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve));

  constructor(private readonly parties: number) {}

  async pass(): Promise<void> {
    this.arrived += 1;
    if (this.arrived >= this.parties) this.open();
    await this.opened;
  }
}

/**
 * A repository whose e-mail look-ups wait at a gate after answering: every racer has seen "no such
 * user" before any of them inserts, which is the race only the database's unique index can settle.
 */
export class GatedUserRepository implements UserRepository {
  constructor(
    private readonly inner: UserRepository,
    private readonly gate: RaceGate,
  ) {}

  findById(id: string): Promise<User | null> {
    return this.inner.findById(id);
  }

  async findByEmail(email: Email): Promise<User | null> {
    const found = await this.inner.findByEmail(email);
    await this.gate.pass();
    return found;
  }

  save(user: User): Promise<void> {
    return this.inner.save(user);
  }
}
