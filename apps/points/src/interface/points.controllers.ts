import type { Type } from '@nestjs/common';

/** The routes of POINTS_ROUTES (GET /me/points, GET /me/points/ledger). Filled in by the interface layer. */
export const pointsHttpControllers: Type[] = [];

/** One consumer per reaction to an event the points context subscribes to (pointsContext.subscribes). Filled in by the interface layer. */
export const pointsEventControllers: Type[] = [];
