// Typed context variables shared by every route and middleware (no globals).
import type { Logger } from '../logging/logger.ts';
import type { Principal } from '../auth/principal.ts';

export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    principal: Principal;
  };
}
