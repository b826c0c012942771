// JSON-RPC 2.0 over HTTP POST (single and batch), as agave's RPC service speaks it.

import { createServer } from 'node:http';
import { ErrorCode, RpcError } from './errors.mjs';
import { stringifyJson } from './json.mjs';

/** Request bodies beyond this are refused; agave's limit is 50 KiB (MAX_REQUEST_BODY_SIZE). */
const MAX_REQUEST_BYTES = 50 * 1024;

export function createRpcServer(methods, { log = () => {} } = {}) {
  function handleOne(request) {
    const isObject = typeof request === 'object' && request !== null && !Array.isArray(request);
    const id = isObject && (typeof request.id === 'string' || typeof request.id === 'number') ? request.id : null;
    if (!isObject || request.jsonrpc !== '2.0' || typeof request.method !== 'string') {
      return failure(id, new RpcError(ErrorCode.INVALID_REQUEST, 'Invalid request'));
    }
    // agave's methods take positional parameters only.
    if (request.params !== undefined && !Array.isArray(request.params)) {
      return failure(id, new RpcError(ErrorCode.INVALID_PARAMS, 'Invalid params: expected an array of positional parameters'));
    }
    const method = Object.hasOwn(methods, request.method) ? methods[request.method] : undefined;
    if (!method) return failure(id, new RpcError(ErrorCode.METHOD_NOT_FOUND, 'Method not found'));
    try {
      return { jsonrpc: '2.0', result: method(request.params ?? []), id };
    } catch (error) {
      if (error instanceof RpcError) return failure(id, error);
      log(`internal error in ${request.method}: ${error.stack ?? error}`);
      return failure(id, new RpcError(ErrorCode.INTERNAL_ERROR, `Internal error: ${error.message}`));
    }
  }

  function handleBody(text) {
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      return failure(null, new RpcError(ErrorCode.PARSE_ERROR, 'Parse error'));
    }
    if (Array.isArray(body)) {
      if (body.length === 0) return failure(null, new RpcError(ErrorCode.INVALID_REQUEST, 'Invalid request'));
      return body.map(handleOne);
    }
    return handleOne(body);
  }

  return createServer((req, res) => {
    // agave also answers GET /health with plain "ok" for load balancers.
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      const response = handleBody(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end(stringifyJson(response));
    });
  });
}

function failure(id, error) {
  return { jsonrpc: '2.0', error: error.toJson(), id };
}
