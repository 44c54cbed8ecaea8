/**
 * The local Cronicorn stand-in: a real HTTP server on 127.0.0.1 that behaves like Cronicorn 1.25.0 as
 * observed (docs/real-api-notes.md), validating requests with the service's own OpenAPI document
 * (./cronicorn/cronicorn-openapi.json, via ajv), with better-auth 1.4.4 as its authorization server,
 * plus fault switches and a request log for tests. Implementation in ./cronicorn/; wiring in server.ts.
 */
export type { FaultRule, RequestRecord, StandIn, StandInOptions, StandInUser } from "./cronicorn/types.js";
import { startStandIn } from "./cronicorn/server.js";
import type { StandIn, StandInOptions } from "./cronicorn/types.js";

export function startCronicornStandIn(options?: StandInOptions): Promise<StandIn> {
  return startStandIn(options);
}
