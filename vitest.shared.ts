import swc from 'unplugin-swc';
import type { ViteUserConfig } from 'vitest/config';

// Nest's DI reads constructor types from decorator metadata, which esbuild does not emit; SWC does.
// '@shop/source' makes workspace packages resolve to their TypeScript sources instead of dist/.
const conditions = ['@shop/source', 'module', 'node', 'development|production'];
// What Node itself resolves externals with (vitest passes these as --conditions): without 'module', since
// a CommonJS require of @opentelemetry/api (the trace SDK's own) would get its extensionless ESM build.
const externalConditions = conditions.filter((condition) => condition !== 'module');

export const sharedConfig: ViteUserConfig = {
  plugins: [
    swc.vite({
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
        keepClassNames: true,
      },
      module: { type: 'es6' },
    }),
  ],
  resolve: { conditions },
  ssr: { resolve: { conditions: externalConditions } },
};
