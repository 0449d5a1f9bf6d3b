import { Module, type DynamicModule } from '@nestjs/common';
import { contextModule, type ServiceRuntime } from '@shop/runtime';
import { POINTS_CONFIG, type PointsConfig } from './infrastructure/points.config.js';
import { pointsMigrations } from './infrastructure/migrations/index.js';
import { pointsEventControllers, pointsHttpControllers } from './interface/points.controllers.js';

/** The composition root of the points context: the only place that wires its layers together. */
@Module({})
export class PointsModule {
  static forRoot(runtime: ServiceRuntime, config: PointsConfig): DynamicModule {
    return contextModule(PointsModule, runtime, {
      // None: every repository and query is plain SQL over the migrations' tables.
      entities: [],
      migrations: pointsMigrations,
      controllers: [...pointsHttpControllers, ...pointsEventControllers],
      providers: [{ provide: POINTS_CONFIG, useValue: config }],
    });
  }
}
