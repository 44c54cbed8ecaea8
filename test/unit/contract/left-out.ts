/**
 * The one place that says where the tools and Cronicorn's OpenAPI document knowingly part ways.
 * Keys are "METHOD /api/path" exactly as the document writes the path.
 */

/** Operations in the document deliberately served by no tool, with the reason. */
export const LEFT_OUT: Record<string, string> = {};

/** Routes the tools call that the document does not describe (observed on the running service). */
export const OUTSIDE_DOCUMENT: Record<string, string> = {
  "GET /api/devices": "list_devices: device sessions; not in the document, shape observed",
  "DELETE /api/devices/:id": "revoke_device: not in the document",
  "GET /api/subscriptions/status": "get_usage: plan; not in the document, shape observed",
  "GET /api/subscriptions/usage": "get_usage: quotas and use; not in the document, shape observed",
};

/**
 * Where the running service is stricter than its document (docs/real-api-notes.md), applied on top
 * of the document's schemas when checking what tools send.
 */
export const REQUIRED_THOUGH_DOCUMENTED_OPTIONAL: Record<string, string[]> = {
  "GET /api/dashboard/stats": ["startDate", "endDate"],
  "GET /api/dashboard/activity": ["startDate", "endDate"],
};

/**
 * Answers whose observed shape the document does not describe. The stand-in follows the service;
 * these statuses are checked against the observed shape instead of the document's.
 */
export const OBSERVED_ERROR_SHAPES: Record<string, string> = {
  "401": 'JSON {"error": "Unauthorized - …", "status": 401} (the document says {message})',
  "403": 'text/plain "Forbidden" from the CSRF guard (not in the document)',
  "422": 'JSON {"success": false, "error": {"name": "ZodError", "issues": [...]}} (not in the document)',
  "400": "text/plain business-rule reason, e.g. the free-tier limits (the document says JSON {message})",
};
