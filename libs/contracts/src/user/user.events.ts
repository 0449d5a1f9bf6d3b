import Type from 'typebox';
import { defineEvent, type PayloadOf } from '../envelope.js';

/** A customer account was created (by registration, or for the admin at start). */
export const UserRegisteredV1 = defineEvent(
  'user.registered.v1',
  Type.Object(
    {
      userId: Type.String({ format: 'uuid' }),
      email: Type.String({ format: 'email', maxLength: 254 }),
      nickname: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
      registeredAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);
export type UserRegisteredV1 = PayloadOf<typeof UserRegisteredV1>;
