import { AdminPaymentView, PaymentView, SandboxSimulation } from '@shop/contracts';
import { assertMatchesSchema } from '@shop/testing';

/** Throws unless `value` is a PaymentView of the HTTP contract. */
export const assertPaymentView = (value: unknown): void => assertMatchesSchema(PaymentView, value);
/** Throws unless `value` is an AdminPaymentView of the HTTP contract. */
export const assertAdminPaymentView = (value: unknown): void => assertMatchesSchema(AdminPaymentView, value);
/** Throws unless `value` is a SandboxSimulation of the HTTP contract. */
export const assertSandboxSimulation = (value: unknown): void => assertMatchesSchema(SandboxSimulation, value);
