import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { codeInMessage } from '../../src/sms/message.js';
import { webhookKey, webhookSignature } from '../../src/sms/providers/webhook.js';
import type { TestServer } from '../helpers/server.js';

// What the multi-process tests share: the compiled server started as a child process (`serve`, as an
// operator runs it), and a local SMS gateway that checks each signed webhook and records what came.

export const CLI = 'dist/cli/index.js';

/** One `phone-numbers serve` process; `t` lets the usual fapi()/bapi() helpers talk to it. */
export interface Instance {
  name: string;
  child: ChildProcess;
  t: TestServer;
  output(): string;
  /** SIGTERM, then the exit code (null if killed by a signal). */
  stop(): Promise<number | null>;
}

export function secretKeyForTest(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return `sk_test_${Array.from(randomBytes(40), (b) => alphabet[b % alphabet.length]).join('')}`;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Starts `serve` on ports the system picks and resolves once the banner shows where it listens. */
export async function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm test does)`);
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', BACKEND_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const urls = await new Promise<{ fapiUrl: string; bapiUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 30 s:\n${output}`)), 30_000);
    const look = () => {
      const fapiUrl = /Frontend API\s+(\S+)/.exec(output)?.[1];
      const bapiUrl = /Backend API\s+(\S+)/.exec(output)?.[1];
      if (fapiUrl && bapiUrl) {
        clearTimeout(timer);
        resolve({ fapiUrl: fapiUrl.replace('localhost', '127.0.0.1'), bapiUrl: bapiUrl.replace('localhost', '127.0.0.1') });
      }
    };
    child.stdout!.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it started:\n${output}`));
    });
  });
  const t = { ...urls, secretKey: env.CLERK_SECRET_KEY!, databaseUrl: env.DATABASE_URL!, server: undefined as never, close: async () => {} };
  return {
    name, child, t,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited(child);
    },
  };
}

export interface Delivery {
  webhookId: string;
  smsId: string;
  to: string;
  code: string;
}

/**
 * A local SMS gateway for SMS_PROVIDER=webhook. It refuses (401) a request whose Standard Webhooks
 * signature does not check out, so only correctly signed deliveries are counted. `hold()` keeps the
 * next request waiting until released: a delivery in flight, for the shutdown test.
 */
export class WebhookGateway {
  readonly secret = `whsec_${randomBytes(32).toString('base64')}`;
  readonly deliveries: Delivery[] = [];
  readonly refused: string[] = [];
  private server: Server | undefined;
  /** The next delivery waits at `gate`, after telling `arrived`. */
  private held: { gate: Promise<void>; arrived: () => void } | undefined;
  private release: (() => void) | undefined;
  private waiters: Array<() => void> = [];
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/sms`;
  }

  async close(): Promise<void> {
    this.release?.();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next delivery waits until `release()`; `arrived` resolves when it has come in. */
  hold(): { arrived: Promise<void>; release: () => void } {
    let release!: () => void;
    let arrivedSignal!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const arrived = new Promise<void>((resolve) => { arrivedSignal = resolve; });
    this.held = { gate, arrived: arrivedSignal };
    this.release = release;
    return { arrived, release };
  }

  /** Resolves once `count` deliveries (in all) have been accepted. */
  async waitFor(count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.deliveries.length < count) {
      if (Date.now() > deadline) throw new Error(`the gateway got ${this.deliveries.length} of ${count} deliveries`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  /** The code of the newest delivery to a number after the first `after` deliveries. */
  async codeFor(to: string, after: number): Promise<string> {
    for (let i = 0; i < 150; i++) {
      const found = this.deliveries.slice(after).reverse().find((d) => d.to === to);
      if (found) return found.code;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no SMS to ${to} reached the gateway`);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const id = String(request.headers['webhook-id'] ?? '');
    const timestamp = Number(request.headers['webhook-timestamp']);
    const expected = webhookSignature(webhookKey(this.secret), id, timestamp, body);
    if (request.method !== 'POST' || request.headers['webhook-signature'] !== expected) {
      this.refused.push(id);
      response.writeHead(401).end();
      return;
    }
    const held = this.held;
    if (held) {
      this.held = undefined;
      held.arrived();
      await held.gate;
    }
    const { data } = JSON.parse(body) as { data: { id: string; to: string; body: string } };
    this.deliveries.push({ webhookId: id, smsId: data.id, to: data.to, code: codeInMessage(data.body) ?? '' });
    for (const wake of this.waiters.splice(0)) wake();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `gw_${this.deliveries.length}` }));
  }
}
