import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';

// GET /v1/jwks: the public keys of session tokens, where @clerk/backend's verifyToken({ secretKey }) looks.

export function jwksRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/v1/jwks', async () => ctx.sessionTokens.jwks());
}
