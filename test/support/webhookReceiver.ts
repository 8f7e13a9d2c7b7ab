import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver on 127.0.0.1 that records every POST; it can go down and come back on the same port. */
export class WebhookReceiver {
  readonly received: Received[] = [];
  /** What to answer; a delay holds the answer back. */
  status = 204;
  delayMs = 0;
  private server: Server | undefined;
  port = 0;

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        const timer = setTimeout(() => res.writeHead(this.status).end(), this.delayMs);
        res.on('close', () => clearTimeout(timer));
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Each delivery verified with the standardwebhooks package (throws on a bad signature), parsed. */
  verified(secret: string): { id: string; type: string; timestamp: string; data: Record<string, unknown> }[] {
    const webhook = new Webhook(secret);
    return this.received.map((r) => {
      const payload = webhook.verify(r.body, r.headers as Record<string, string>) as {
        type: string;
        timestamp: string;
        data: Record<string, unknown>;
      };
      return { id: String(r.headers['webhook-id']), ...payload };
    });
  }
}
