import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Keyledger } from '../../composition';
import { verifyReportSignature } from '../../../infrastructure/leaks/leakReportKeys';
import { HttpError } from '../httpErrors';
import { leakLabels, leakReport } from '../leakSchemas';
import { errorResponse } from '../schemas';

const BODY_LIMIT = 1024 * 1024;

const header = (value: string | string[] | undefined): string => (typeof value === 'string' ? value.trim() : '');

/**
 * `POST /api/apikey/leaks`: a secret-scanning partner report (GitHub's format), authenticated by
 * its ECDSA signature over the raw body, so the body is kept as text in this plugin and parsed
 * only once the signature holds.
 */
export const leakReportRoutes: FastifyPluginAsyncZod<{ ledger: Keyledger }> = async (app, { ledger }) => {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) =>
    done(null, body),
  );

  app.post(
    '/api/apikey/leaks',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['leaks'],
        summary: 'Secret-scanning report: label each token; revoke the keys of ours that work',
        description:
          'Body: `[{"token", "type", "url", "source"}]`, signed with ECDSA P-256/SHA-256 over the raw body (headers Github-Public-Key-Identifier and Github-Public-Key-Signature, base64 DER) by a key in LEAK_REPORT_PUBLIC_KEYS. Unsigned or wrongly signed: 401, nothing changes.',
        response: { 200: leakLabels, 400: errorResponse, 401: errorResponse },
      },
    },
    async (request) => {
      const raw = typeof request.body === 'string' ? request.body : '';
      const signed = verifyReportSignature(
        ledger.leakReportKeys,
        header(request.headers['github-public-key-identifier']),
        header(request.headers['github-public-key-signature']),
        raw,
      );
      if (!signed) throw new HttpError(401, 'leak report signature not verified');
      let items;
      try {
        items = leakReport.parse(JSON.parse(raw));
      } catch {
        throw new HttpError(400, 'invalid leak report: expected [{"token", "type", "url", "source"}]');
      }
      return ledger.leaks.report(items, { actor: 'secret-scanning-report', requestId: request.id });
    },
  );
};
