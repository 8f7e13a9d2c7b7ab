import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { InvalidCommandError, KeyNotFoundError } from '../../domain';
import { WebhookNotFoundError } from '../../domain/webhooks';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '../../infrastructure/eventStore/port';
import { ProjectionTimeoutError } from '../../projections/readModel/projectionRunner';

export const INVALID_BODY = 'invalid or missing JSON body';

/** An error whose message is safe to show to the client as-is. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function sendError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ error: message });
}

/** Fastify's own answers to a bad or too long path echo the path; these do not. */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? 400;
  void sendError(reply, status, status === 414 ? 'request path too long' : 'invalid request');
}

function isBodyParseError(error: FastifyError): boolean {
  return (
    (error.code?.startsWith('FST_ERR_CTP_') ?? false) || (error instanceof SyntaxError && error.statusCode === 400)
  );
}

/**
 * One place maps failures to HTTP. Only messages written for clients get through;
 * anything unexpected is a plain 500 "internal error", logged with its details.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((_request, reply) => sendError(reply, 404, 'not found'));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HttpError) {
      void reply.headers(error.headers);
      return sendError(reply, error.statusCode, error.message);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      if (
        error.validationContext === 'body' &&
        error.validation.some((v) => v.instancePath === '' && v.params?.['expected'] === 'object')
      )
        return sendError(reply, 400, INVALID_BODY);
      return sendError(reply, 400, error.validation[0]?.message ?? 'invalid request');
    }
    if (isBodyParseError(error)) return sendError(reply, 400, INVALID_BODY);
    if (error instanceof InvalidCommandError) return sendError(reply, 400, error.message);
    if (error instanceof KeyNotFoundError) return sendError(reply, 404, 'API key not found');
    if (error instanceof WebhookNotFoundError) return sendError(reply, 404, 'webhook not found');
    if (error instanceof EventStoreUnavailableError) {
      request.log.warn({ err: error }, 'event store unavailable');
      void reply.header('retry-after', '1');
      return sendError(reply, 503, 'event store unavailable');
    }
    if (error instanceof WrongExpectedRevisionError) {
      // Retries exhausted under contention: nothing was written, the client may retry.
      void reply.header('retry-after', '1');
      return sendError(reply, 409, 'concurrent update of this key; retry');
    }
    if (error instanceof ProjectionTimeoutError) {
      request.log.warn({ err: error }, 'read model lagging');
      void reply.header('retry-after', '1');
      return sendError(reply, 503, 'read model is catching up; retry shortly');
    }
    if (error.statusCode === 429) return reply.code(429).send({ error: 'too many requests' });
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500 && error.code?.startsWith('FST_'))
      return sendError(reply, error.statusCode, 'invalid request');
    request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, 500, 'internal error');
  });
}
