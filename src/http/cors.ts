/**
 * CORS for browser integrations (@fastify/cors), per `CORS_ORIGINS`: `*` any origin, a list of origins, or `off`.
 * Preflights are answered; `Authorization`, `Content-Type`, `X-Region` and `X-Request-Id` may be sent, and
 * `X-Request-Id` and `Retry-After` are readable by the page. No cookies are involved, so no credentials mode.
 */
import type { FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import type { OpsConfig } from '../config.js';

export async function registerCors(app: FastifyInstance, origins: OpsConfig['corsOrigins']): Promise<void> {
  if (origins === 'off') return;
  await app.register(cors, {
    origin: origins === '*' ? '*' : origins,
    methods: ['GET', 'POST'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Region', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    maxAge: 600,
  });
}
