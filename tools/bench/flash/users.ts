import { createHmac, randomUUID } from 'node:crypto';
import pg from 'pg';

const BATCH = 5_000;
// Never a password: argon2 cannot parse it, so the user service's verify answers false for any candidate.
const UNUSABLE_PASSWORD_HASH = '$argon2id$v=19$m=19456,t=2,p=1$bench-user-without-a-password';

/**
 * The customers who claim, written straight into the user service's `users` table (the layout of its
 * migration): registering 20,000 through the gateway would cost 20,000 argon2id hashes (OWASP cost,
 * tens of ms of CPU each on this machine), and signing them in as many verifications, minutes before
 * the first claim. They publish no `user.registered.v1`, so no welcome coupon is granted. Returns their ids.
 */
export async function insertCustomers(databaseUrl: string, count: number, run: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const ids: string[] = [];
    for (let from = 1; from <= count; from += BATCH) {
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO users (id, email, nickname, password_hash, roles, registered_at)
         SELECT gen_random_uuid(), 'flash-' || $1::text || '-' || n || '@example.com', NULL, $2, 'customer', $3
           FROM generate_series($4::int, $5::int) AS n
         RETURNING id`,
        [run, UNUSABLE_PASSWORD_HASH, Date.now(), from, Math.min(count, from + BATCH - 1)],
      );
      ids.push(...rows.map((row) => row.id));
    }
    return ids;
  } finally {
    await client.end();
  }
}

/**
 * An access token as the user service signs it (JoseAccessTokenIssuer, @shop/auth's claims): HS256
 * over JWT_SECRET, typ `at+jwt`, issuer `shop`, audience `shop-api`, subject the user id, its roles,
 * issued now for an hour. The bench holds JWT_SECRET (it starts the services with it), so it signs
 * them itself; `GET /me` through the gateway with one of them checks the shape before the load.
 */
export function signAccessToken(secret: string, userId: string, roles: readonly string[]): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const issuedAt = Math.floor(Date.now() / 1000);
  const unsigned = `${encode({ alg: 'HS256', typ: 'at+jwt' })}.${encode({
    roles,
    iss: 'shop',
    aud: 'shop-api',
    sub: userId,
    iat: issuedAt,
    exp: issuedAt + 3600,
    jti: randomUUID(),
  })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}
