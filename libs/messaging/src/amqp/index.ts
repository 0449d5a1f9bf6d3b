export { AmqpTransport, type AmqpTransportOptions } from './amqp-transport.js';
export type { ReconnectDelay } from './amqp-connection.js';
export { HEADER as AMQP_HEADERS } from './amqp-envelope.js';
export {
  DELIVERY_LIMIT,
  deadLetterQueueArguments,
  declareManifestTopology,
  declareServiceTopology,
  mainQueueArguments,
  retryQueueArguments,
  retryQueueNameOf,
  type ServiceTopology,
} from './amqp-topology.js';
