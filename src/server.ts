import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { errorCode, settingFailed, type Config } from './config.js';
import { createContext, type AppContext } from './context.js';
import { publishableKey } from './domain/keys.js';
import { buildBapi } from './http/bapi/app.js';
import { buildFapi } from './http/fapi/app.js';

// Starts both APIs and the delivery workers (SMS outbox, webhooks) on one context, and stops them in the right order.

export interface RunningServer {
  ctx: AppContext;
  fapi: FastifyInstance;
  bapi: FastifyInstance;
  frontendApiUrl: string;
  backendApiUrl: string;
  close(): Promise<void>;
}

function urlOf(app: FastifyInstance, hostFallback: string): string {
  const address = app.server.address();
  if (address === null || typeof address === 'string') return hostFallback;
  const host = ['0.0.0.0', '::', '127.0.0.1', '::1'].includes(address.address) ? 'localhost' : address.address;
  return `http://${host}:${address.port}`;
}

/** A port in use (or not ours to take) names PORT, an address this machine lacks names HOST. */
async function listen(app: FastifyInstance, port: number, host: string, [portVariable, hostVariable]: [string, string]): Promise<void> {
  try {
    await app.listen({ port, host });
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EADDRINUSE' || code === 'EACCES') throw settingFailed(portVariable, `cannot listen on ${host}:${port}`, error);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw settingFailed(hostVariable, `cannot listen on ${host}:${port}`, error);
    throw error;
  }
}

export async function startServer(config: Config, options: { logger?: Logger } = {}): Promise<RunningServer> {
  const ctx = await createContext(config, options);
  const fapi = await buildFapi(ctx);
  const bapi = await buildBapi(ctx);
  try {
    await listen(fapi, config.port, config.host, ['PORT', 'HOST']);
    await listen(bapi, config.backendPort, config.backendHost, ['BACKEND_PORT', 'BACKEND_HOST']);
  } catch (error) {
    await Promise.allSettled([fapi.close(), bapi.close()]);
    await ctx.database.close();
    throw error;
  }
  if (!config.publicUrl) {
    // Port 0 (tests) is only known now; the publishable key encodes the real address.
    ctx.frontendApiUrl = urlOf(fapi, ctx.frontendApiUrl);
    ctx.keys.publishableKey = publishableKey(ctx.frontendApiUrl, ctx.keys.secretKey.startsWith('sk_live_'));
  }
  if (config.outboxWorker) {
    ctx.outbox.start();
    ctx.webhooks?.start();
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // Stop accepting and finish requests in flight, then the SMS in flight, then the pool.
      await Promise.allSettled([fapi.close(), bapi.close()]);
      await Promise.all([ctx.outbox.stop(), ctx.webhooks?.stop()]);
      await ctx.abuse.close();
      await ctx.database.close();
    })();
    return closing;
  };
  return { ctx, fapi, bapi, frontendApiUrl: ctx.frontendApiUrl, backendApiUrl: urlOf(bapi, `http://127.0.0.1:${config.backendPort}`), close };
}
