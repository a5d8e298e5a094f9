import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { verifyWebhook } from '@clerk/backend/webhooks';
import { transform } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { listWebhookDeliveries } from '../../src/store/webhooks.js';
import { bapi, createUser } from '../helpers/fapi.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { eventually } from '../sms/provider-server.js';
import { newWebhookSecret } from './receiver.js';

// The README's receiver example, as printed, behind a real HTTP server on a free port: the events
// this service sends verify with it and do what it says (its `db` is the test's own table).

type Handler = (request: Request) => Promise<Response>;

async function readmeReceiver(db: unknown, env: Record<string, string>): Promise<Handler> {
  const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Webhooks'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no ts block under "## Webhooks"');
  expect(block).toContain("import { verifyWebhook } from '@clerk/backend/webhooks';");
  const source = block.replace(/^import .*\n/m, '').replace('export async function POST', 'async function POST');
  const { code } = await transform(source, { loader: 'ts' });
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('verifyWebhook', 'db', 'process', `${code}\nreturn POST;`)(verifyWebhook, db, { env }) as Handler;
}

describe('the README receiver', () => {
  let t: TestServer | undefined;
  let server: Server | undefined;
  afterAll(async () => {
    await t?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('keeps an app\'s user table in step with the events, checked by verifyWebhook', async () => {
    const secret = newWebhookSecret();
    const users = new Map<string, { id: string; phone: string | undefined }>();
    const db = { users: { insert: async (row: { id: string; phone: string | undefined }) => void users.set(row.id, row), delete: async (id: string) => void users.delete(id) } };
    const POST = await readmeReceiver(db, { WEBHOOK_SECRET: secret });
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      try {
        const response = await POST(new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers: req.headers as Record<string, string>, body: Buffer.concat(chunks) }));
        res.writeHead(response.status).end(await response.text());
      } catch {
        res.writeHead(400).end('verification failed');
      }
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    t = await startTestServer({ WEBHOOK_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks`, WEBHOOK_SECRET: secret });

    const userId = await createUser(t, ['+12025558202']);
    await eventually('the user in the app\'s table', async () => users.get(userId));
    expect(users.get(userId)).toEqual({ id: userId, phone: '+12025558202' });
    expect((await bapi(t, 'DELETE', `/v1/users/${userId}`)).status).toBe(200);
    await eventually('the user gone from the app\'s table', async () => (users.has(userId) ? undefined : true));
    const deliveries = await eventually('both deliveries recorded', async () => {
      const rows = await listWebhookDeliveries(t!.server.ctx.database.db);
      return rows.every((d) => d.status === 'sent') ? rows : undefined;
    });
    expect(deliveries.map((d) => [d.event_type, d.status, d.response_status])).toEqual([['user.deleted', 'sent', 204], ['user.created', 'sent', 204]]);
  });
});
