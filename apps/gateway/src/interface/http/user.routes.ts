import type { GatewayRoute } from './gateway-route.js';

/** The user service's routes (DESIGN.md §7). */
export const USER_ROUTES = {
  register: {
    operationId: 'register',
    method: 'POST',
    path: '/auth/register',
    service: 'user',
    access: 'anonymous',
    tag: 'auth',
    summary: 'Create a customer account',
    requestBody: 'RegisterRequest',
    responses: {
      201: { description: 'The account was created', schema: 'RegisterResponse' },
      409: { description: '`EMAIL_TAKEN`: an account with this email exists', problem: true },
    },
  },
  login: {
    operationId: 'login',
    method: 'POST',
    path: '/auth/login',
    service: 'user',
    access: 'anonymous',
    tag: 'auth',
    summary: 'Sign in: exchange email and password for an access token',
    requestBody: 'LoginRequest',
    responses: {
      200: { description: 'A bearer access token', schema: 'LoginResponse' },
      401: { description: '`INVALID_CREDENTIALS`: no account with this email and password', problem: true },
    },
  },
  me: {
    operationId: 'getMe',
    method: 'GET',
    path: '/me',
    service: 'user',
    access: 'user',
    tag: 'users',
    summary: "The signed-in user's profile",
    responses: {
      200: { description: 'The profile', schema: 'MeResponse' },
      404: { description: '`USER_NOT_FOUND`: the account no longer exists', problem: true },
    },
  },
} as const satisfies Record<string, GatewayRoute>;
