/**
 * The local Cronicorn stand-in: a real HTTP server on 127.0.0.1 serving the Cronicorn API contract
 * (docs/cronicorn-api.md) with better-auth 1.4.4 as its authorization server, plus fault switches
 * and a request log for tests. Implementation in ./cronicorn/; see server.ts for the wiring.
 */
export type { FaultRule, RequestRecord, StandIn, StandInOptions, StandInUser } from "./cronicorn/types.js";
import { startStandIn } from "./cronicorn/server.js";
import type { StandIn, StandInOptions } from "./cronicorn/types.js";

export function startCronicornStandIn(options?: StandInOptions): Promise<StandIn> {
  return startStandIn(options);
}
