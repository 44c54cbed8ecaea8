/** Our two short guides to Cronicorn, served as resources the model can read on demand. */
import type { McpServer } from "@modelcontextprotocol/server";
import { CONCEPTS_GUIDE, DESCRIPTIONS_GUIDE } from "./guide-texts.js";

const GUIDES = [
  {
    name: "concepts",
    uri: "cronicorn://guide/concepts",
    title: "Cronicorn concepts",
    description: "Jobs, endpoints, baseline schedules, hints, pauses, runs and safety limits.",
    text: CONCEPTS_GUIDE,
  },
  {
    name: "endpoint-descriptions",
    uri: "cronicorn://guide/endpoint-descriptions",
    title: "Writing endpoint descriptions",
    description: "How to write the description the AI planner follows when it adapts an endpoint's schedule.",
    text: DESCRIPTIONS_GUIDE,
  },
];

export function registerGuides(server: McpServer): void {
  for (const guide of GUIDES) {
    server.registerResource(guide.name, guide.uri, { title: guide.title, description: guide.description, mimeType: "text/markdown" }, async (uri) => ({
      contents: [{ uri: uri.href, mimeType: "text/markdown", text: guide.text }],
    }));
  }
}
