/**
 * Whatever arrives on the socket, the answer is in the error format with a documented type and status, and slow or
 * idle connections are dropped (issue 16, points 1 and 5). Real port on 127.0.0.1, raw sockets, small time-outs.
 */
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describeStores, type Harness } from '../support/harness.js';
import { testConfig } from '../support/stores.js';
import { createApp } from '../../src/app.js';
import { ERROR_TYPES } from '../../src/kernel/errors.js';
import { exchange, dribble, type RawResponse } from '../support/raw-http.js';

// Tests that wait for the server to close a connection fail by time-out (10 s) if it never does.

/** The README's error table: the spec's statuses plus 408 and 431 (transport level, type `validation`). */
const DOCUMENTED_STATUSES = new Set([...Object.values(ERROR_TYPES).map((t) => t.status), 408, 431]);
const LIMITS = { HEADERS_TIMEOUT_MS: '300', REQUEST_TIMEOUT_MS: '600', KEEP_ALIVE_TIMEOUT_MS: '200' };

function expectFormat(res: RawResponse | undefined, type: string, status: number): void {
  assert.ok(res, 'an answer');
  assert.deepEqual(Object.keys(res.body ?? {}), ['error'], JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body.error).sort(), ['message', 'type']);
  assert.equal(res.body.error.type, type, JSON.stringify(res.body));
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.ok(DOCUMENTED_STATUSES.has(res.status), `status ${res.status} is documented`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/);
}

const post = (path: string, extra = '') =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n${extra}Connection: close\r\n\r\n{}`;

describeStores(
  'transport: every answer in the error format, slow clients dropped',
  (h) => {
    let port: number;
    before(async () => {
      await h().app.listen({ port: 0, host: '127.0.0.1' });
      port = (h().app.server.address() as AddressInfo).port;
    });

    it('answers malformed percent-escapes in the path with validation', async () => {
      for (const action of ['list_agents%ZZ', '%C0%AF', '%', 'list%E0%A4%A']) {
        const { responses } = await exchange(port, post(`/v3.5/configuration/action/${action}`));
        expectFormat(responses[0], 'validation', 400);
        assert.match(responses[0]!.body.error.message, /percent-encoding/);
      }
    });

    it('answers over-long action names and versions with not_found', async () => {
      for (const path of [
        `/v3.5/configuration/action/${'a'.repeat(101)}`,
        `/v3.5/configuration/action/${'a'.repeat(5000)}`,
        `/${'v'.repeat(300)}/configuration/action/list_agents`,
      ]) {
        const { responses } = await exchange(port, post(path));
        expectFormat(responses[0], 'not_found', 404);
      }
    });

    it('answers malformed HTTP with validation and closes the connection', async () => {
      const requests = [
        'FOO /v3.5/configuration/action/list_agents HTTP/1.1\r\nHost: x\r\n\r\n',
        'POST /v3.5/configuration/action/list_agents HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}',
        'POST /v3.5/configuration/action/list_agents HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
        'POST /v3.5/configuration/action/list_agents HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n',
        'POST /v3.5/configuration/action/list_agents HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
        'this is not http\r\n\r\n',
      ];
      for (const request of requests) {
        const { responses } = await exchange(port, request);
        assert.equal(responses.length, 1, request);
        expectFormat(responses[0], 'validation', 400);
        assert.equal(responses[0]!.headers.connection, 'close');
      }
    });

    it('answers headers over 16 KB with 431 validation', async () => {
      const { responses } = await exchange(port, post('/v3.5/configuration/action/list_agents', `X-Big: ${'a'.repeat(20_000)}\r\n`));
      expectFormat(responses[0], 'validation', 431);
    });

    it('answers an unsupported Expect header with validation', async () => {
      const { responses } = await exchange(port, post('/v3.5/configuration/action/list_agents', 'Expect: teapot\r\n'));
      expectFormat(responses[0], 'validation', 400);
    });

    it('still serves well-formed requests (keep-alive, then closed when idle)', { timeout: 10_000 }, async () => {
      const request = `POST /v3.5/configuration/action/list_groups HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${h().boot.bearer_token}\r\nContent-Length: 2\r\n\r\n{}`;
      // two requests on one connection, then silence: the keep-alive time-out closes it without another answer
      const { responses } = await exchange(port, (socket) => {
        socket.write(request);
        socket.once('data', () => socket.write(request));
      });
      assert.deepEqual(responses.map((r) => r.status), [200, 200]);
      assert.equal(responses[1]!.body[0].id, 0);
    });

    it('drops a connection that sends nothing, answering 408 in the error format', { timeout: 10_000 }, async () => {
      const { responses } = await exchange(port, () => {});
      expectFormat(responses[0], 'validation', 408);
    });

    it('drops a client dribbling its headers a byte at a time', { timeout: 10_000 }, async () => {
      const { responses } = await exchange(port, dribble(post('/v3.5/configuration/action/list_agents'), 40));
      expectFormat(responses[0], 'validation', 408);
    });

    it('drops a client whose body never completes', { timeout: 10_000 }, async () => {
      const head = `POST /v3.5/configuration/action/list_groups HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${h().boot.bearer_token}\r\nContent-Length: 100\r\n\r\n{`;
      const { responses } = await exchange(port, (socket) => {
        socket.write(head);
        dribble(' '.repeat(99), 40)(socket);
      });
      expectFormat(responses[0], 'validation', 408);
    });

    it('many slow connections do not keep a closing server open', { timeout: 10_000 }, async () => {
      const app = await createApp({ store: h().store, config: testConfig(LIMITS), logger: false });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const p = (app.server.address() as AddressInfo).port;
      const slow = Array.from({ length: 20 }, (_, i) =>
        exchange(p, i % 2 ? () => {} : dribble(post('/v3.5/configuration/action/list_agents'), 30)),
      );
      await new Promise((r) => setTimeout(r, 50));
      await app.close(); // resolves only once every connection is gone
      const done = await Promise.all(slow);
      for (const { responses } of done) {
        // each was closed, answered 408 in the error format if its time-out came first
        for (const r of responses) expectFormat(r, 'validation', 408);
      }
    });
  },
  { env: LIMITS },
);

describeStores('transport: default time-outs', (h: () => Harness) => {
  it('uses 15 s for headers, 30 s per request and 5 s of keep-alive idleness', () => {
    const server = h().app.server;
    assert.equal(server.headersTimeout, 15_000);
    assert.equal(server.requestTimeout, 30_000);
    assert.equal(server.keepAliveTimeout, 5_000);
  });
}, {}, ['sqlite']);
