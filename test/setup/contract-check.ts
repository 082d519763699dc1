// Runs after every test file: each answer its test gateways gave must keep the contract of
// /openapi.json (test/helpers/contract.ts). A file whose answers break it fails here, naming
// the operation, the status and what is undeclared.
import { afterAll } from 'vitest';
import { contractViolations } from '../helpers/contract.ts';

afterAll(async () => {
  const violations = await contractViolations();
  if (violations.length > 0) {
    throw new Error(
      `answers outside the API document (declare them on the route, or in src/http/openapi/complete-document.ts when the wiring sends them):\n  ${violations.slice(0, 40).join('\n  ')}`,
    );
  }
});
