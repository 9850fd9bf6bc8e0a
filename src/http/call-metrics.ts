/**
 * The request metrics of action calls, `config_api_requests_total` and `config_api_request_duration_seconds`, by API
 * version, action, HTTP status and error type. Their label sets are bound in advance: the action pipeline gives each
 * call of its table (http/actions/call.ts) the `CallSeries` of its version and action when the table is built, and a
 * call then adds to plain numbers under its status and error type (two map lookups): no label object, no string is
 * made per request (prom-client's own `inc(labels)` hashes the labels into a string on every call). The series are
 * turned into the exposition format when `/metrics` is scraped, in prom-client's metric format (registered in the
 * app's prom-client registry beside the other metrics).
 */
import type { Metric, Registry } from 'prom-client';

/** Upper bounds of the duration histogram's buckets, in seconds. */
export const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = Readonly<Record<'version' | 'action' | 'status' | 'error_type', string>>;

/** One label set: its count, the sum of its durations, and its (non-cumulative) bucket counts. */
class Series {
  count = 0;
  sum = 0;
  readonly buckets = new Array<number>(SECONDS.length + 1).fill(0);
  constructor(readonly labels: Labels) {}
}

/** The series of one API version and action: one per HTTP status and error type, made when first met. */
export class CallSeries {
  private readonly byStatus = new Map<number, Map<string, Series>>();

  constructor(
    private readonly all: Series[],
    readonly version: string,
    readonly action: string,
  ) {}

  /** A call answered: counted and timed under its status and error type (`''` when none). */
  observe(status: number, errorType: string, seconds: number): void {
    let byError = this.byStatus.get(status);
    if (!byError) this.byStatus.set(status, (byError = new Map()));
    let s = byError.get(errorType);
    if (!s) {
      s = new Series({ version: this.version, action: this.action, status: String(status), error_type: errorType });
      byError.set(errorType, s);
      this.all.push(s);
    }
    s.count += 1;
    s.sum += seconds;
    let i = 0;
    while (i < SECONDS.length && seconds > SECONDS[i]!) i++;
    s.buckets[i]! += 1;
  }
}

type Value = { labels: Record<string, string | number>; value: number; metricName?: string };

/** A metric of prom-client's registry whose values are read from the series when scraped. */
function scraped(name: string, help: string, type: 'counter' | 'histogram', values: () => Value[]): Metric {
  const get = async () => ({ name, help, type, values: values(), aggregator: 'sum' as const });
  return { name, help, type, get, reset() {} } as unknown as Metric;
}

/** The two request metrics of one app. */
export class RequestMetrics {
  private readonly all: Series[] = [];
  private readonly byVersion = new Map<string, Map<string, CallSeries>>();

  constructor(registry: Registry) {
    registry.registerMetric(
      scraped(
        'config_api_requests_total',
        'API calls (POST /<version>/configuration/action/<action>) by API version, action, HTTP status and error type ("" when none)',
        'counter',
        () => this.all.map((s) => ({ labels: s.labels, value: s.count })),
      ),
    );
    registry.registerMetric(
      scraped('config_api_request_duration_seconds', 'Time to answer an API call, by API version, action, HTTP status and error type', 'histogram', () =>
        this.all.flatMap((s) => {
          let cumulative = 0;
          const buckets = SECONDS.map((le, i) => {
            cumulative += s.buckets[i]!;
            return { labels: { ...s.labels, le }, value: cumulative, metricName: 'config_api_request_duration_seconds_bucket' };
          });
          return [
            ...buckets,
            { labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: 'config_api_request_duration_seconds_bucket' },
            { labels: s.labels, value: s.sum, metricName: 'config_api_request_duration_seconds_sum' },
            { labels: s.labels, value: s.count, metricName: 'config_api_request_duration_seconds_count' },
          ];
        }),
      ),
    );
  }

  /** The series of a version and action (bound once by the call tables; looked up without building a string otherwise). */
  series(version: string, action: string): CallSeries {
    let byAction = this.byVersion.get(version);
    if (!byAction) this.byVersion.set(version, (byAction = new Map()));
    let c = byAction.get(action);
    if (!c) byAction.set(action, (c = new CallSeries(this.all, version, action)));
    return c;
  }
}
