// The gateway's Prometheus metrics, in a registry of its own (several gateways in one process,
// as in tests, do not share counters). Labels only ever hold values from closed sets the gateway
// defines (route patterns, methods, outcomes, rule codes, declared sources): never a pseudonym, an
// identifier, a token subject or a path as the caller typed it.
import client from 'prom-client';
import type { ConnectionStats, UnitObserver } from '../storage/storage.ts';
import type { JobOutcome } from '../segmentation/job-queue.ts';

/** What the metrics read when scraped. */
export interface MetricSources {
  dialect: string;
  connections(): ConnectionStats;
  auditHeadSeq(): number | undefined;
  requestsInFlight(): number;
  jobsRunning(): number;
}

/** Request durations: from a fast health probe to a large ingest batch. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const JOB_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];
const DB_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

export type IngestKind = 'customers' | 'transactions' | 'consents';

export class GatewayMetrics {
  readonly registry = new client.Registry();
  readonly contentType = this.registry.contentType;
  private readonly requests = new client.Histogram({
    name: 'veilgate_http_request_duration_seconds',
    help: 'HTTP requests by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  private readonly ingestRows = new client.Counter({
    name: 'veilgate_ingest_rows_total',
    help: 'Ingested rows by declared source, record type and outcome; rejected rows by the rule they broke',
    labelNames: ['source', 'type', 'outcome', 'rule'] as const,
    registers: [this.registry],
  });
  private readonly jobs = new client.Histogram({
    name: 'veilgate_segmentation_job_duration_seconds',
    help: 'Segmentation jobs run on this instance, by method and outcome',
    labelNames: ['method', 'outcome'] as const,
    buckets: JOB_BUCKETS,
    registers: [this.registry],
  });
  private readonly reids = new client.Counter({
    name: 'veilgate_reidentifications_total',
    help: 'Re-identification requests and decisions by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly auditAppends = new client.Histogram({
    name: 'veilgate_audit_append_duration_seconds',
    help: 'Audit entries appended (or refused: written="false") and how long each took',
    labelNames: ['written'] as const,
    buckets: DB_BUCKETS,
    registers: [this.registry],
  });
  private readonly units = new client.Histogram({
    name: 'veilgate_db_unit_duration_seconds',
    help: 'Units of work (database transactions) by backend and outcome',
    labelNames: ['backend', 'outcome'] as const,
    buckets: DB_BUCKETS,
    registers: [this.registry],
  });

  constructor(sources: MetricSources) {
    const { registry } = this;
    new client.Gauge({
      name: 'veilgate_audit_head_seq',
      help: 'Sequence number of the audit head this instance last sealed or confirmed',
      registers: [registry],
      collect() {
        this.set(sources.auditHeadSeq() ?? 0);
      },
    });
    new client.Gauge({
      name: 'veilgate_http_requests_in_flight',
      help: 'Requests being handled now',
      registers: [registry],
      collect() {
        this.set(sources.requestsInFlight());
      },
    });
    new client.Gauge({
      name: 'veilgate_segmentation_jobs_running',
      help: 'Segmentation jobs this instance runs now',
      registers: [registry],
      collect() {
        this.set(sources.jobsRunning());
      },
    });
    new client.Gauge({
      name: 'veilgate_db_connections',
      help: 'Database connections: open, busy in a unit of work, and units waiting for one',
      labelNames: ['backend', 'state'] as const,
      registers: [registry],
      collect() {
        const c = sources.connections();
        for (const state of ['open', 'busy', 'waiting'] as const) this.set({ backend: sources.dialect, state }, c[state]);
      },
    });
    this.dialect = sources.dialect;
  }

  private readonly dialect: string;

  request(route: string, method: string, status: number, seconds: number): void {
    this.requests.observe({ route, method, status: String(status) }, seconds);
  }

  /** `rejectedByRule`: how many rows each rule refused (codes from the validator, a closed set). */
  ingest(source: string, type: IngestKind, accepted: number, rejectedByRule: ReadonlyMap<string, number>): void {
    if (accepted > 0) this.ingestRows.inc({ source, type, outcome: 'accepted', rule: '' }, accepted);
    for (const [rule, n] of rejectedByRule) this.ingestRows.inc({ source, type, outcome: 'rejected', rule }, n);
  }

  job(method: string, outcome: JobOutcome, seconds: number): void {
    this.jobs.observe({ method, outcome }, seconds);
  }

  reidentification(outcome: string): void {
    this.reids.inc({ outcome });
  }

  auditAppend(seconds: number, written: boolean): void {
    this.auditAppends.observe({ written: String(written) }, seconds);
  }

  readonly unit: UnitObserver = (seconds, outcome) => this.units.observe({ backend: this.dialect, outcome }, seconds);

  /** The text exposition of every metric, the process's own included. */
  async scrape(): Promise<string> {
    return (await processRegistry().metrics()) + '\n' + (await this.registry.metrics());
  }
}

let processMetrics: client.Registry | undefined;

/**
 * CPU, memory, handles, GC and event-loop lag (nodejs_eventloop_lag_*): one set per process, as
 * their monitors are (a process that builds several gateways does not start several).
 */
function processRegistry(): client.Registry {
  if (!processMetrics) {
    processMetrics = new client.Registry();
    client.collectDefaultMetrics({ register: processMetrics, eventLoopMonitoringPrecision: 10 });
  }
  return processMetrics;
}
