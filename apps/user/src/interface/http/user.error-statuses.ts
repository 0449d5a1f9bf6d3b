import type { DomainErrorStatusMap } from '@shop/http';

/** The HTTP status of each domain error the user context raises; `INVALID_VALUE` is 400 everywhere. */
export const userErrorStatuses: DomainErrorStatusMap = {
  EMAIL_TAKEN: 409,
  INVALID_CREDENTIALS: 401,
  USER_NOT_FOUND: 404,
};
