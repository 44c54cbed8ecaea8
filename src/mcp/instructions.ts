/** What the model is told about Cronicorn when it connects (kept short: it is sent on every session). */
export const SERVER_INSTRUCTIONS = `Cronicorn runs HTTP requests on a schedule and adapts the schedule as conditions change.

- A job groups related endpoints. Create one with create_job, then add endpoints to it with add_endpoint.
- An endpoint is one HTTP request (url, method, headersJson, bodyJson) with a baseline schedule: either a 5-field cron expression (baselineCron) or a fixed interval in milliseconds (baselineIntervalMs), never both.
- Cronicorn's AI planner may move an endpoint away from its baseline, guided by the endpoint's description, but never outside minIntervalMs..maxIntervalMs. You can steer it yourself with temporary hints (apply_interval_hint, schedule_one_shot) that expire after ttlMinutes; clear_hints returns to the baseline.
- To investigate problems: get_endpoint_health, list_runs, get_run, then test_endpoint to try the request now.
- All times are ISO 8601; all durations are milliseconds unless the field says minutes or hours.
- Safety: archive rather than delete; delete_endpoint erases run history for good, and rotate_signing_key breaks targets that verify the old key. Confirm these with the user first.
- Sign-in happens automatically on the first call that needs it: if a tool answers with a sign-in URL and code, show them to the user and call the tool again once they have approved.`;
