// A stand-in chat engine for the tests: the OpenAI chat-completions API over
// real HTTP on loopback, as OpenAI documents it: `GET /v1/models`, and `POST
// /v1/chat/completions` with `stream: true` answered as server-sent events,
// one `data: {chat.completion.chunk}` per piece (the role first, then content
// deltas, then an empty delta with `finish_reason: "stop"`), then `data:
// [DONE]`. It replies with `pieces`, each after `delayMs`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Engine {
  /** What OpenAI clients take as the base URL, e.g. http://127.0.0.1:PORT/v1. */
  baseUrl: string;
  /** The bodies of the chat requests received, in order. */
  requests: { model?: string; stream?: boolean; messages?: { role: string; content: string }[] }[];
  close: () => Promise<void>;
}

export async function startEngine(pieces: string[], delayMs: number): Promise<Engine> {
  const requests: Engine['requests'] = [];
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion.chunk', created, model: 'stand-in', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ object: 'list', data: [{ id: 'stand-in', object: 'model', created, owned_by: 'tests' }] }));
    }
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error', param: null, code: null } }));
    }
    let body = '';
    for await (const part of req) body += part;
    const parsed = JSON.parse(body) as Engine['requests'][number];
    requests.push(parsed);
    if (!parsed.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      const message = { role: 'assistant', content: pieces.join('') };
      return void res.end(JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion', created, model: 'stand-in', choices: [{ index: 0, message, finish_reason: 'stop' }] }));
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.write(chunk({ role: 'assistant', content: '' }, null));
    for (const piece of pieces) {
      await new Promise((r) => setTimeout(r, delayMs));
      if (res.destroyed) return;
      res.write(chunk({ content: piece }, null));
    }
    res.write(chunk({}, 'stop'));
    res.end('data: [DONE]\n\n');
  };

  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
