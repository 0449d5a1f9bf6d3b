export * from './access-token.claims.js';
export * from './access-token.verifier.js';
