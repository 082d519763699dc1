// Every table of the gateway, one file per aggregate; drizzle-kit reads this to generate migrations.
export * from './service-state.ts';
