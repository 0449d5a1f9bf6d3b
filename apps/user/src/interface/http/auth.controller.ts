import { Body, Controller, Header, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { LoginRequest, RegisterRequest, type LoginResponse, type RegisterResponse } from '@shop/contracts';
import { SchemaPipe } from '@shop/http';
import { LogInHandler } from '../../application/commands/log-in/log-in.handler.js';
import { RegisterUserHandler } from '../../application/commands/register-user/register-user.handler.js';

const NO_STORE = 'no-store';

/**
 * `POST /auth/register` and `POST /auth/login`: anonymous calls, but only through the gateway. Their
 * answers (an access token; a user's own data) say `Cache-Control: no-store`, which the gateway
 * forwards, so that no browser or proxy cache keeps them.
 */
@Controller('auth')
export class AuthController {
  constructor(
    private readonly registerUser: RegisterUserHandler,
    private readonly logIn: LogInHandler,
  ) {}

  @Post('register')
  @HttpCode(HttpStatus.CREATED)
  @Header('Cache-Control', NO_STORE)
  register(@Body(new SchemaPipe(RegisterRequest)) body: RegisterRequest): Promise<RegisterResponse> {
    return this.registerUser.execute({ email: body.email, password: body.password, nickname: body.nickname ?? null });
  }

  @Post('login')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', NO_STORE)
  async login(@Body(new SchemaPipe(LoginRequest)) body: LoginRequest): Promise<LoginResponse> {
    const { accessToken, expiresIn } = await this.logIn.execute({ email: body.email, password: body.password });
    return { accessToken, tokenType: 'Bearer', expiresIn };
  }
}
