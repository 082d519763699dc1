// Typed context variables shared by every route and middleware (no globals).
import type { Principal } from '../auth/principal.ts';

export interface AppEnv {
  Variables: {
    requestId: string;
    principal: Principal;
  };
}
