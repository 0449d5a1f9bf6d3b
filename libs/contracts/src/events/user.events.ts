import { defineEvent } from '../envelope.js';

export interface UserRegisteredV1 {
  userId: string;
  email: string;
  nickname: string | null;
  registeredAt: string;
}

export const UserRegisteredV1 = defineEvent<UserRegisteredV1>('user.registered.v1', {
  type: 'object',
  additionalProperties: false,
  required: ['userId', 'email', 'nickname', 'registeredAt'],
  properties: {
    userId: { type: 'string', format: 'uuid' },
    email: { type: 'string', format: 'email', maxLength: 254 },
    nickname: { type: ['string', 'null'], maxLength: 64 },
    registeredAt: { type: 'string', format: 'date-time' },
  },
});
