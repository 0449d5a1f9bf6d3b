/**
 * The user routes of the HTTP contract (DESIGN.md section 7): request schemas the user service
 * validates with and the gateway documents in its OpenAPI, and the answers' shapes.
 */
export interface RegisterRequest {
  email: string;
  password: string;
  nickname?: string;
}

export const RegisterRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'password'],
  properties: {
    email: { type: 'string', minLength: 3, maxLength: 254 },
    password: { type: 'string', minLength: 8, maxLength: 128 },
    nickname: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;

export interface RegisterResponse {
  userId: string;
  email: string;
  nickname: string | null;
}

export interface LoginRequest {
  email: string;
  password: string;
}

export const LoginRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'password'],
  properties: {
    email: { type: 'string', minLength: 1, maxLength: 254 },
    password: { type: 'string', minLength: 1, maxLength: 128 },
  },
} as const;

export interface LoginResponse {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

export interface MeResponse {
  userId: string;
  email: string;
  nickname: string | null;
  roles: string[];
}

export const RegisterResponseSchema = {
  type: 'object',
  required: ['userId', 'email', 'nickname'],
  properties: { userId: { type: 'string', format: 'uuid' }, email: { type: 'string' }, nickname: { type: ['string', 'null'] } },
} as const;

export const LoginResponseSchema = {
  type: 'object',
  required: ['accessToken', 'tokenType', 'expiresIn'],
  properties: { accessToken: { type: 'string' }, tokenType: { const: 'Bearer' }, expiresIn: { type: 'integer' } },
} as const;

export const MeResponseSchema = {
  type: 'object',
  required: ['userId', 'email', 'nickname', 'roles'],
  properties: {
    userId: { type: 'string', format: 'uuid' },
    email: { type: 'string' },
    nickname: { type: ['string', 'null'] },
    roles: { type: 'array', items: { enum: ['customer', 'admin'] } },
  },
} as const;
