// Answers requests that Node's HTTP parser refuses before express sees them (headers over the
// limit, a malformed request line) in the API's one error shape instead of a bare status line,
// then closes that connection. The server keeps serving everyone else.
import type { Duplex } from 'node:stream';
import { errorBody } from './errors.ts';

const REFUSALS: Record<string, [number, string, string, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'headers_too_large',
    'The request headers are too large (a very long cookie or Authorization header?).',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'request_timeout', 'The request took too long to arrive.'],
};
const BAD_REQUEST: [number, string, string, string] = [400, 'Bad Request', 'invalid_input', 'The request is not valid HTTP.'];

/** The server's 'clientError' listener (Node's default behaviour, with a JSON body). */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex & { bytesWritten?: number }): void {
  // Like Node's default: write only on a connection that has not started another response.
  if (err.code !== 'ECONNRESET' && socket.writable && !socket.bytesWritten) {
    const [status, reason, code, message] = REFUSALS[err.code ?? ''] ?? BAD_REQUEST;
    const body = JSON.stringify(errorBody(code, message));
    // Destroyed once flushed (at the latest after 5 s): the rest of an oversized request is never read.
    const timer = setTimeout(() => socket.destroy(), 5_000).unref();
    socket.once('finish', () => {
      clearTimeout(timer);
      socket.destroy();
    });
    return void socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
