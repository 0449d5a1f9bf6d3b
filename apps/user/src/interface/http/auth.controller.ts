import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { LoginRequest, RegisterRequest, type LoginResponse, type RegisterResponse } from '@shop/contracts';
import { SchemaPipe } from '@shop/http';
import { LogInHandler } from '../../application/commands/log-in/log-in.handler.js';
import { RegisterUserHandler } from '../../application/commands/register-user/register-user.handler.js';

/** `POST /auth/register` and `POST /auth/login`: anonymous calls, but only through the gateway. */
@Controller('auth')
export class AuthController {
  constructor(
    private readonly registerUser: RegisterUserHandler,
    private readonly logIn: LogInHandler,
  ) {}

  @Post('register')
  @HttpCode(HttpStatus.CREATED)
  register(@Body(new SchemaPipe(RegisterRequest)) body: RegisterRequest): Promise<RegisterResponse> {
    return this.registerUser.execute({ email: body.email, password: body.password, nickname: body.nickname ?? null });
  }

  @Post('login')
  @HttpCode(HttpStatus.OK)
  async login(@Body(new SchemaPipe(LoginRequest)) body: LoginRequest): Promise<LoginResponse> {
    const { accessToken, expiresIn } = await this.logIn.execute({ email: body.email, password: body.password });
    return { accessToken, tokenType: 'Bearer', expiresIn };
  }
}
