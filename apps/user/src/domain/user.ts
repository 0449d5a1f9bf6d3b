import { AggregateRoot } from '@shop/shared-kernel';
import type { Email } from './email.js';
import type { Nickname } from './nickname.js';
import { ROLES, type Role } from './role.js';
import { RoleAlreadyGrantedError } from './user.errors.js';
import type { UserEvent } from './user.events.js';

export interface RegisterUserProps {
  readonly id: string;
  readonly email: Email;
  readonly nickname: Nickname | null;
  /** Produced by a slow salted hash; the domain never sees the password itself. */
  readonly passwordHash: string;
  readonly registeredAt: Date;
}

/** Everything a user is made of, as stored; only repositories restore users from it. */
export interface UserSnapshot extends RegisterUserProps {
  readonly roles: readonly Role[];
}

/** Someone who can sign in to the shop. */
export class User extends AggregateRoot<UserEvent> {
  private readonly props: RegisterUserProps;
  private readonly granted: Set<Role>;

  private constructor({ roles, ...props }: UserSnapshot) {
    super();
    this.props = props;
    this.granted = new Set(roles);
  }

  /** A new account: a customer, nothing more, until someone grants it more. */
  static register(props: RegisterUserProps): User {
    const user = new User({ ...props, roles: ['customer'] });
    user.record({
      type: 'UserRegistered',
      aggregateId: props.id,
      occurredAt: props.registeredAt,
      email: props.email.value,
      nickname: props.nickname?.value ?? null,
    });
    return user;
  }

  static restore(snapshot: UserSnapshot): User {
    return new User(snapshot);
  }

  get id(): string {
    return this.props.id;
  }

  get email(): Email {
    return this.props.email;
  }

  get nickname(): Nickname | null {
    return this.props.nickname;
  }

  get passwordHash(): string {
    return this.props.passwordHash;
  }

  get registeredAt(): Date {
    return this.props.registeredAt;
  }

  /** In a fixed order (`customer` before `admin`), whatever order they were granted in. */
  get roles(): readonly Role[] {
    return ROLES.filter((role) => this.granted.has(role));
  }

  hasRole(role: Role): boolean {
    return this.granted.has(role);
  }

  grantRole(role: Role, at: Date): void {
    if (this.granted.has(role)) throw new RoleAlreadyGrantedError(this.id, role);
    this.granted.add(role);
    this.record({ type: 'RoleGranted', aggregateId: this.id, occurredAt: at, role });
  }

  toSnapshot(): UserSnapshot {
    return { ...this.props, roles: this.roles };
  }
}
