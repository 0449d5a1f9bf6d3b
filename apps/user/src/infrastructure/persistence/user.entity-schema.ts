import { EntitySchema, type ValueTransformer } from 'typeorm';

/** A row of `users`, as TypeORM reads and writes it. The domain's `User` never sees it. */
export interface UserRecord {
  id: string;
  email: string;
  nickname: string | null;
  passwordHash: string;
  /** Comma-separated, e.g. `customer,admin`. */
  roles: string;
  /** Epoch milliseconds. */
  registeredAt: number;
}

/** The PostgreSQL driver hands BIGINT back as a string. */
const epochMillis: ValueTransformer = {
  to: (value: number) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/** Maps `users` (created by the migrations, never synchronised from here). */
export const UserEntitySchema = new EntitySchema<UserRecord>({
  name: 'UserRecord',
  tableName: 'users',
  columns: {
    // UUID on PostgreSQL; declared as varchar here because SQLite has no such type.
    id: { type: 'varchar', length: 36, primary: true },
    email: { type: 'varchar', length: 254 },
    nickname: { type: 'varchar', length: 64, nullable: true },
    passwordHash: { name: 'password_hash', type: 'text' },
    roles: { type: 'text' },
    registeredAt: { name: 'registered_at', type: 'bigint', transformer: epochMillis },
  },
});

/** The entities of the user context, for `openDataSource({ entities })`. */
export const userEntities = [UserEntitySchema];

/** The unique index on `lower(email)`; a violation of it means the address is taken. */
export const USERS_EMAIL_INDEX = 'users_email_lower';
