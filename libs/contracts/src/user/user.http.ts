import { PASSWORD_POLICY } from '@shop/shared-kernel';
import Type, { type Static } from 'typebox';
import type { HttpRouteDefinition } from '../http-route.js';

/**
 * The user routes of the HTTP contract (DESIGN.md section 7): the bodies the user service validates
 * with and the gateway documents (each `title` names its OpenAPI component), and the route table.
 */
export const RegisterRequest = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254 }),
    password: Type.String({ minLength: PASSWORD_POLICY.minLength, maxLength: PASSWORD_POLICY.maxLength }),
    nickname: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { title: 'RegisterRequest', additionalProperties: false },
);
export type RegisterRequest = Static<typeof RegisterRequest>;

export const RegisterResponse = Type.Object(
  {
    userId: Type.String({ format: 'uuid' }),
    email: Type.String(),
    nickname: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'RegisterResponse' },
);
export type RegisterResponse = Static<typeof RegisterResponse>;

export const LoginRequest = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    // Only the upper bound: a wrong password of any length is just a wrong password (401), never a 400.
    password: Type.String({ minLength: 1, maxLength: PASSWORD_POLICY.maxLength }),
  },
  { title: 'LoginRequest', additionalProperties: false },
);
export type LoginRequest = Static<typeof LoginRequest>;

export const LoginResponse = Type.Object(
  {
    accessToken: Type.String(),
    tokenType: Type.Literal('Bearer'),
    expiresIn: Type.Integer(),
  },
  { title: 'LoginResponse' },
);
export type LoginResponse = Static<typeof LoginResponse>;

export const MeResponse = Type.Object(
  {
    userId: Type.String({ format: 'uuid' }),
    email: Type.String(),
    nickname: Type.Union([Type.String(), Type.Null()]),
    roles: Type.Array(Type.Enum(['customer', 'admin'])),
  },
  { title: 'MeResponse' },
);
export type MeResponse = Static<typeof MeResponse>;

/** The user service's routes, by a name for its own code. */
export const USER_ROUTES = {
  register: {
    operationId: 'register',
    method: 'POST',
    path: '/auth/register',
    access: 'anonymous',
    tag: 'auth',
    summary: 'Create a customer account',
    requestBody: RegisterRequest,
    requestExample: { email: 'mei@example.com', password: 'correct horse battery', nickname: 'Mei' } satisfies RegisterRequest,
    responses: {
      201: { description: 'The account was created', schema: RegisterResponse },
      409: { description: '`EMAIL_TAKEN`: an account with this email exists', problem: true },
    },
  },
  login: {
    operationId: 'login',
    method: 'POST',
    path: '/auth/login',
    access: 'anonymous',
    tag: 'auth',
    summary: 'Sign in: exchange email and password for an access token',
    requestBody: LoginRequest,
    requestExample: { email: 'mei@example.com', password: 'correct horse battery' } satisfies LoginRequest,
    credentials: { accountField: 'email', failureCode: 'INVALID_CREDENTIALS' },
    responses: {
      200: { description: 'A bearer access token', schema: LoginResponse },
      401: { description: '`INVALID_CREDENTIALS`: no account with this email and password', problem: true },
    },
  },
  me: {
    operationId: 'getMe',
    method: 'GET',
    path: '/me',
    access: 'user',
    tag: 'users',
    summary: "The signed-in user's profile",
    responses: {
      200: { description: 'The profile', schema: MeResponse },
      404: { description: '`USER_NOT_FOUND`: the account no longer exists', problem: true },
    },
  },
} as const satisfies Record<string, HttpRouteDefinition>;
