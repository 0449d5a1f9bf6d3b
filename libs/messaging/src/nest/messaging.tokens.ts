/** DI tokens of the messaging module (symbols, so that they cannot collide). */
export const DATA_SOURCE = Symbol.for('shop.DataSource');
export const TRANSPORT = Symbol.for('shop.Transport');
export const MESSAGING_OPTIONS = Symbol.for('shop.MessagingOptions');
