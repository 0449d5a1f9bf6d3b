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

/**
 * Attaches the service's event handlers to its transport and initialises the app (its lifecycle hooks
 * run here, once); call before `listen()`.
 */
export async function connectEventConsumer(app: INestApplication): Promise<void> {
  const microservice = app.connectMicroservice({ strategy: app.get(ShopEventsServer) }, { inheritAppConfig: false, deferInitialization: true });
  microservice.useGlobalFilters(new PropagateHandlerErrors());
  // A deferred microservice runs every module's init and bootstrap hooks on its own start, and the
  // app's init runs them again: the relay, the scheduler and the admin seeding started twice. The
  // app's init runs them once, before the consumer starts, as the microservice's start did.
  (microservice as typeof microservice & { setIsInitHookCalled(called: boolean): void }).setIsInitHookCalled(true);
  await app.init();
  await app.startAllMicroservices();
}
