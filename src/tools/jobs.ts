/** Jobs: the folders that group endpoints. */
import * as z from "zod";
import { Job, JobId, JobList, JobStatus, JobWithCount, jobFields } from "../api/schemas.js";
import { CREATES, READS, REMOVES, UPDATES } from "./annotations.js";
import { defineTool } from "./define.js";

const jobPath = (jobId: string) => `/jobs/${encodeURIComponent(jobId)}`;

export const jobTools = [
  defineTool({
    name: "create_job",
    title: "Create job",
    group: "jobs",
    description: "Create a job, the container of endpoints (scheduled HTTP requests); then add_endpoint.",
    input: z.object(jobFields),
    output: { key: "job", schema: Job },
    annotations: CREATES,
    run: (args, { api }) => api.request({ method: "POST", path: "/jobs", body: args, response: Job }),
    summary: (job) => `Created job "${job.name}" (id ${job.id}, ${job.status}).`,
  }),
  defineTool({
    name: "get_job",
    title: "Get job",
    group: "jobs",
    description: "Get one job: name, description, status, timestamps.",
    input: z.object({ jobId: JobId }),
    output: { key: "job", schema: Job },
    annotations: READS,
    run: ({ jobId }, { api }) => api.request({ method: "GET", path: jobPath(jobId), response: Job, what: `job ${jobId}` }),
    summary: (job) => `Job "${job.name}" (id ${job.id}) is ${job.status}.`,
  }),
  defineTool({
    name: "list_jobs",
    title: "List jobs",
    group: "jobs",
    description: "List jobs with endpoint counts; finds job ids.",
    input: z.object({ status: JobStatus.optional() }),
    output: { key: "jobs", schema: z.array(JobWithCount) },
    annotations: READS,
    run: async ({ status }, { api }) => (await api.request({ method: "GET", path: "/jobs", query: { status }, response: JobList })).jobs,
    summary: (jobs) =>
      jobs.length === 0
        ? "No jobs found."
        : `${jobs.length} job(s): ${jobs.map((j) => `"${j.name}" (${j.id}, ${j.status}${j.endpointCount === undefined ? "" : `, ${j.endpointCount} endpoint(s)`})`).join("; ")}.`,
  }),
  defineTool({
    name: "update_job",
    title: "Update job",
    group: "jobs",
    description: "Rename a job or change its description; give only what changes.",
    input: z
      .object({ jobId: JobId, name: jobFields.name.optional(), description: jobFields.description })
      .refine((v) => v.name !== undefined || v.description !== undefined, { message: "give name and/or description to change", path: ["name"] }),
    output: { key: "job", schema: Job },
    annotations: UPDATES,
    run: ({ jobId, ...changes }, { api }) => api.request({ method: "PATCH", path: jobPath(jobId), body: changes, response: Job, what: `job ${jobId}` }),
    summary: (job) => `Updated job "${job.name}" (id ${job.id}).`,
  }),
  defineTool({
    name: "archive_job",
    title: "Archive job",
    group: "jobs",
    description: "Archive (soft-delete) a job: its endpoints stop. Confirm first.",
    input: z.object({ jobId: JobId }),
    output: { key: "job", schema: Job },
    annotations: REMOVES,
    confirm: ({ jobId }) => `Archive job ${jobId}? Its endpoints stop running; their history is kept.`,
    run: ({ jobId }, { api }) => api.request({ method: "DELETE", path: jobPath(jobId), response: Job, what: `job ${jobId}` }),
    summary: (job) => `Archived job "${job.name}" (id ${job.id}).`,
  }),
  defineTool({
    name: "pause_job",
    title: "Pause job",
    group: "jobs",
    description: "Pause all of a job's endpoints until resume_job.",
    input: z.object({ jobId: JobId }),
    output: { key: "job", schema: Job },
    annotations: UPDATES,
    run: ({ jobId }, { api }) => api.request({ method: "POST", path: `${jobPath(jobId)}/pause`, response: Job, what: `job ${jobId}` }),
    summary: (job) => `Job "${job.name}" (id ${job.id}) is now ${job.status}.`,
  }),
  defineTool({
    name: "resume_job",
    title: "Resume job",
    group: "jobs",
    description: "Resume a paused job: its endpoints run on schedule again.",
    input: z.object({ jobId: JobId }),
    output: { key: "job", schema: Job },
    annotations: UPDATES,
    run: ({ jobId }, { api }) => api.request({ method: "POST", path: `${jobPath(jobId)}/resume`, response: Job, what: `job ${jobId}` }),
    summary: (job) => `Job "${job.name}" (id ${job.id}) is now ${job.status}.`,
  }),
];
