/**
 * What the rest of the service records into the metrics module (issue 14), as small ports so that
 * no module depends on prom-client. The metrics module implements all of them
 * (`MetricsService`); `noMetrics` stands for "not measured" where a part is built on its own
 * (a `SignalingService` or `JobRunner` constructed without the container).
 *
 * Labels are bounded by the implementation, never by the caller: no user, session or request ids,
 * no raw URLs.
 */

/** What signaling records; both calls run on the hot path (no allocation, a counter increment). */
export interface SignalingMetrics {
  /** One frame relayed to its addressee (`offer`, `answer`, `ice-candidate`; any other type counts as `other`). */
  frameRelayed(type: string): void;
  /** One admission decided: `'accepted'`, or the WebSocket close code the socket was refused with (4401, 1013…). */
  admission(outcome: 'accepted' | number): void;
}

/** What the job runner records after each run of a sweep. */
export interface JobMetrics {
  /** @param seconds how long the run took; @param failed whether it threw. */
  jobRan(job: string, seconds: number, failed: boolean): void;
}

/** What the HTTP layer records per answered request. */
export interface HttpMetrics {
  /**
   * @param route the route's template (`/api/slots/:id`), or null when no route matched (404s).
   * @param statusCode the answer's status; @param seconds time from request to answer.
   */
  requestServed(route: string | null, method: string, statusCode: number, seconds: number): void;
}

/** Every recording port. */
export interface Metrics extends SignalingMetrics, JobMetrics, HttpMetrics {}

/** Records nothing (parts built outside the container, e.g. unit tests of one service). */
export const noMetrics: Metrics = {
  frameRelayed: () => undefined,
  admission: () => undefined,
  jobRan: () => undefined,
  requestServed: () => undefined,
};
