import type { Email } from '../../domain/email.js';
import { User, type UserSnapshot } from '../../domain/user.js';
import { EmailTakenError } from '../../domain/user.errors.js';
import type { UserRepository } from '../ports/user.repository.js';
import type { Transactional } from '@shop/testing';

/** Stores snapshots, so a test can never share an aggregate instance with the "database". */
export class InMemoryUserRepository implements UserRepository, Transactional {
  private readonly rows = new Map<string, UserSnapshot>();
  private journal: Array<() => void> = [];
  /** Runs before each save: lets a test slip in what a concurrent transaction would do. */
  beforeSave: (() => Promise<void> | void) | undefined;
  saves = 0;

  async findById(id: string): Promise<User | null> {
    const row = this.rows.get(id);
    return row ? User.restore(row) : null;
  }

  async findByEmail(email: Email): Promise<User | null> {
    const row = [...this.rows.values()].find((candidate) => candidate.email.equals(email));
    return row ? User.restore(row) : null;
  }

  async save(user: User): Promise<void> {
    await this.beforeSave?.();
    const holder = [...this.rows.values()].find((row) => row.email.equals(user.email));
    if (holder && holder.id !== user.id) throw new EmailTakenError(user.email.value);
    const previous = this.rows.get(user.id);
    this.journal.push(() => (previous ? this.rows.set(user.id, previous) : this.rows.delete(user.id)));
    this.rows.set(user.id, user.toSnapshot());
    this.saves += 1;
  }

  /** Puts a user straight into the store, as if committed earlier or by another instance. */
  insert(user: User): void {
    this.rows.set(user.id, user.toSnapshot());
  }

  all(): User[] {
    return [...this.rows.values()].map((row) => User.restore(row));
  }

  /** Rolling back undoes this transaction's saves only, never what `insert` put in meanwhile. */
  begin(): () => void {
    const journal: Array<() => void> = [];
    this.journal = journal;
    return () => {
      for (const undo of journal.reverse()) undo();
    };
  }
}
