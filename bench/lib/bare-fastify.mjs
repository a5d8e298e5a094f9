// The ceiling: a bare Fastify server, no logger, no database, answering one route with a fixed JSON
// body: by default a copy of our ReadPhoneNumber answer (BODY_FILE), serialised per request as ours is.
// What a Node HTTP service can do on this machine.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 0);
const body = process.env.BODY_FILE
  ? JSON.parse(readFileSync(process.env.BODY_FILE, 'utf8'))
  : { object: 'phone_number', id: 'idn_bench', padding: 'x'.repeat(2000) };

const app = Fastify({ logger: false });
app.get('/v1/me/phone_numbers/:id', async () => body);
await app.listen({ port, host: '127.0.0.1' });
process.stdout.write(`listening ${app.server.address().port}\n`);
process.once('SIGTERM', () => { void app.close().then(() => process.exit(0)); });
