import { Catch, type INestApplication, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import { ShopEventsServer } from './shop-events.server.js';

/**
 * Nest's default RPC filter replaces every handler error with 'Internal server error'. The consumer
 * needs the real error: it decides between retry and dead letter, and the DLQ records it.
 */
@Catch()
export class PropagateHandlerErrors implements RpcExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/** Attaches the service's event handlers to its transport; call before `app.init()` / `listen()`. */
export async function connectEventConsumer(app: INestApplication): Promise<void> {
  const microservice = app.connectMicroservice({ strategy: app.get(ShopEventsServer) }, { inheritAppConfig: false, deferInitialization: true });
  microservice.useGlobalFilters(new PropagateHandlerErrors());
  await app.startAllMicroservices();
}
