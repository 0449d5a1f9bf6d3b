import type { ServerResponse } from 'node:http';
import { Controller, Req, Res, UseGuards } from '@nestjs/common';
import { Forwards } from './gateway-route.js';
import { GatewayAccessGuard } from './gateway-access.guard.js';
import type { GatewayRequest } from './gateway-request.js';
import { ServiceForwarder } from './service-forwarder.js';
import { USER_ROUTES } from './user.routes.js';

/** The user service's routes, forwarded as they are. */
@Controller()
@UseGuards(GatewayAccessGuard)
export class UserRoutesController {
  constructor(private readonly forwarder: ServiceForwarder) {}

  @Forwards(USER_ROUTES.register)
  register(@Req() request: GatewayRequest, @Res() response: ServerResponse): Promise<void> {
    return this.forwarder.forward(USER_ROUTES.register, request, response);
  }

  @Forwards(USER_ROUTES.login)
  login(@Req() request: GatewayRequest, @Res() response: ServerResponse): Promise<void> {
    return this.forwarder.forward(USER_ROUTES.login, request, response);
  }

  @Forwards(USER_ROUTES.me)
  me(@Req() request: GatewayRequest, @Res() response: ServerResponse): Promise<void> {
    return this.forwarder.forward(USER_ROUTES.me, request, response);
  }
}
