// The load client, in its own process (forked by main.ts): every customer at once, each placing its
// orders one after the other through the gateway and taking each to PAID as a shop's front end would:
// POST /orders → GET /orders/{id} until AWAITING_PAYMENT → POST /payments (again while the payment
// service has not heard of the order yet: 404) → POST /payments/{id}/simulate → GET /orders/{id} until
// PAID. Each step's instant is recorded; the run goes back over IPC.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { serveJobs } from '../load-client.js';
import type { Customer, OrderPlan, OrderTrace, SagaJob, SagaRun } from './job.js';

const API = '/api/v1';
const REQUEST_TIMEOUT_MS = 30_000;

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

interface OrderView {
  readonly status: string;
  readonly payable: number | null;
  readonly couponDiscount: number;
  readonly pointsUsed: number;
}

class Gateway {
  readonly requests: Record<string, number> = {};
  private readonly agent: Agent;
  private readonly origin: URL;

  constructor(origin: string, sockets: number) {
    // One socket per customer: a customer has one request in flight at a time, and never waits for a connection.
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets });
    this.origin = new URL(origin);
  }

  call(kind: string, method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    this.requests[kind] = (this.requests[kind] ?? 0) + 1;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          agent: this.agent,
          host: this.origin.hostname,
          port: this.origin.port,
          method,
          path: `${API}${path}`,
          headers: {
            accept: 'application/json',
            authorization: `Bearer ${token}`,
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
            ...headers,
          },
          timeout: REQUEST_TIMEOUT_MS,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Record<string, unknown> = {};
            try {
              parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
            } catch {
              // Not JSON: the status and the text say what happened.
            }
            resolve({ status: response.statusCode ?? 0, body: parsed, text });
          });
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

const unexpected = (what: string, answer: Answer): Error => new Error(`${what} answered ${answer.status}: ${answer.text.slice(0, 300)}`);

/** One order from POST /orders to PAID. */
async function runOrder(gateway: Gateway, job: SagaJob, customer: Customer, plan: OrderPlan, onOrderId: (orderId: string) => void): Promise<OrderTrace> {
  const token = customer.accessToken;
  let polls = 0;
  /** Polls the order until it reaches `target`; any status but `passing` on the way fails the order. */
  const waitFor = async (orderId: string, target: string, passing: readonly string[]): Promise<{ view: OrderView; at: number }> => {
    const deadline = Date.now() + job.stepTimeoutMs;
    for (;;) {
      await sleep(job.pollMs);
      polls++;
      const answer = await gateway.call('GET /orders/{id}', 'GET', `/orders/${orderId}`, token);
      if (answer.status !== 200) throw unexpected(`GET /orders/${orderId}`, answer);
      const view = answer.body as unknown as OrderView;
      if (view.status === target) return { view, at: Date.now() };
      if (!passing.includes(view.status))
        throw new Error(`order ${orderId} is ${view.status} (${JSON.stringify(answer.body['cancelReason'] ?? null)}) while waiting for ${target}`);
      if (Date.now() > deadline) throw new Error(`order ${orderId} still ${view.status} after ${job.stepTimeoutMs} ms waiting for ${target}`);
    }
  };

  const sentAt = Date.now();
  const placed = await gateway.call('POST /orders', 'POST', '/orders', token, plan, { 'idempotency-key': randomUUID() });
  const placedAt = Date.now();
  if (placed.status !== 202) throw unexpected('POST /orders', placed);
  const orderId = placed.body['orderId'] as string;
  onOrderId(orderId);
  // With neither coupon nor points the order awaits payment at once: its answer says so.
  const awaitingSeenAt = placed.body['status'] === 'AWAITING_PAYMENT' ? placedAt : (await waitFor(orderId, 'AWAITING_PAYMENT', ['PENDING'])).at;

  // The payment service learns of the order from order.awaiting-payment.v1: until then it answers 404.
  // An attempt the provider failed (or did not answer in time) is 201 FAILED: the customer starts another
  // at once. Each try has a key of its own: a new attempt is a new request.
  let paymentNotFound = 0;
  let paymentsFailed = 0;
  const payDeadline = Date.now() + job.stepTimeoutMs;
  let created: Answer;
  for (;;) {
    created = await gateway.call('POST /payments', 'POST', '/payments', token, { orderId }, { 'idempotency-key': randomUUID() });
    const notFound = created.status === 404 && created.body['code'] === 'ORDER_NOT_FOUND';
    const failed = created.status === 201 && created.body['status'] === 'FAILED';
    if (created.status === 201 && !failed) break;
    if (!(notFound || failed) || Date.now() > payDeadline) throw unexpected(`POST /payments for ${orderId}`, created);
    if (failed) paymentsFailed++;
    else paymentNotFound++;
    await sleep(job.pollMs);
  }
  const paymentCreatedAt = Date.now();
  const paymentId = created.body['paymentId'] as string;

  const simulated = await gateway.call('POST /payments/{id}/simulate', 'POST', `/payments/${paymentId}/simulate`, token, { outcome: 'success' });
  const simulatedAt = Date.now();
  if (simulated.status !== 202) throw unexpected(`POST /payments/${paymentId}/simulate`, simulated);

  const paid = await waitFor(orderId, 'PAID', ['AWAITING_PAYMENT']);
  return {
    userId: customer.userId,
    orderId,
    plan,
    sentAt,
    placedAt,
    awaitingSeenAt,
    paymentCreatedAt,
    simulatedAt,
    paidSeenAt: paid.at,
    paymentId,
    payable: paid.view.payable ?? -1,
    couponDiscount: paid.view.couponDiscount,
    pointsUsed: paid.view.pointsUsed,
    polls,
    paymentNotFound,
    paymentsFailed,
  };
}

async function run(job: SagaJob): Promise<SagaRun> {
  const gateway = new Gateway(job.origin, job.customers.length);
  const orders: OrderTrace[] = [];
  const failures: Array<{ userId: string; orderId?: string; error: string }> = [];
  const started = performance.now();
  let lastPaid = started;
  await Promise.all(
    job.customers.map(async (customer) => {
      for (const plan of customer.orders) {
        let orderId: string | undefined;
        try {
          orders.push(await runOrder(gateway, job, customer, plan, (id) => (orderId = id)));
          lastPaid = performance.now();
        } catch (error) {
          // This customer stops: its next orders would only repeat the failure (and its points or coupons may be held).
          failures.push({ userId: customer.userId, ...(orderId ? { orderId } : {}), error: error instanceof Error ? error.message : String(error) });
          return;
        }
      }
    }),
  );
  gateway.close();
  return { elapsedMs: lastPaid - started, orders, failures, requests: gateway.requests };
}

serveJobs(run);
