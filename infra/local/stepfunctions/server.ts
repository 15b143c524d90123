// The Step Functions API on HTTP, as AWS serves it (AWS JSON 1.0: POST /, X-Amz-Target:
// AWSStepFunctions.<Operation>, JSON body, errors as 400 with {"__type","message"}), so handlers
// and tests use @aws-sdk/client-sfn unchanged with the endpoint the runtime sets
// (AWS_ENDPOINT_URL_SFN). Requests are not signed-checked, as DynamoDB Local does not either.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SfnApiError, type StepFunctionsService } from './service';

export interface SfnServer {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startSfnServer(
  service: StepFunctionsService,
  opts: { port?: number; host?: string; log: (l: string) => void },
): Promise<SfnServer> {
  const server: Server = createServer((req, res) => {
    const send = (status: number, payload: unknown, errorType?: string) => {
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': crypto.randomUUID(),
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      res.end(JSON.stringify(payload));
    };
    void (async () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method !== 'POST' || !target.startsWith('AWSStepFunctions.'))
        return send(
          400,
          {
            __type: 'UnknownOperationException',
            message: 'Expected POST with X-Amz-Target: AWSStepFunctions.<Operation>',
          },
          'UnknownOperationException',
        );
      let input: Record<string, unknown>;
      try {
        const text = await body(req);
        input = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        return send(400, { __type: 'SerializationException', message: 'Body is not JSON' }, 'SerializationException');
      }
      try {
        send(200, (await service.call(target.slice('AWSStepFunctions.'.length), input)) ?? {});
      } catch (err) {
        if (err instanceof SfnApiError)
          return send(
            400,
            { __type: `com.amazonaws.swf.service.v2.model#${err.code}`, message: err.message },
            err.code,
          );
        opts.log(`[sfn] ${target} failed: ${(err as Error).stack ?? String(err)}`);
        send(500, { __type: 'InternalFailure', message: (err as Error).message }, 'InternalFailure');
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
