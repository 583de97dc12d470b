import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** Prometheus metrics of one server (own registry, so several servers in one process do not collide). */
export class ServerMetrics {
  readonly registry = new Registry()
  readonly requests: Counter<'action' | 'code'>
  readonly duration: Histogram<'action'>

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'keyward_' })
    this.requests = new Counter({
      name: 'keyward_kms_requests_total',
      help: 'KMS API requests by Action and result code (Success or the error code).',
      labelNames: ['action', 'code'],
      registers: [this.registry],
    })
    this.duration = new Histogram({
      name: 'keyward_kms_request_duration_seconds',
      help: 'KMS API request handling time by Action.',
      labelNames: ['action'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    })
  }
}
