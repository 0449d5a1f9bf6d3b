// The part of autocannon 8's API the gateway bench uses (the package ships no types).
declare module 'autocannon' {
  namespace autocannon {
    interface Histogram {
      readonly average: number;
      readonly mean: number;
      readonly stddev: number;
      readonly min: number;
      readonly max: number;
      readonly total: number;
      readonly p50: number;
      readonly p90: number;
      readonly p99: number;
    }
    interface Request {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
      /** Called before every request when present: the request is rebuilt each time. */
      setupRequest?: (request: Request, context: Record<string, unknown>) => Request;
    }
    interface Options {
      url: string;
      connections?: number;
      duration?: number;
      pipelining?: number;
      /** Seconds. */
      timeout?: number;
      requests?: Request[];
    }
    interface Result {
      readonly requests: Histogram;
      /** Milliseconds. */
      readonly latency: Histogram;
      /** Seconds. */
      readonly duration: number;
      readonly errors: number;
      readonly timeouts: number;
      readonly non2xx: number;
      readonly '2xx': number;
      readonly statusCodeStats: Record<string, { count: number }>;
    }
  }
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;
  export default autocannon;
}
