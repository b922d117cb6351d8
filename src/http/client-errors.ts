import type { Socket } from 'node:net';

const ANSWERS: Record<string, [status: number, reason: string, detail: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'The request headers are too large.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request took too long to arrive.'],
  ERR_HTTP_HEADERS_TIMEOUT: [408, 'Request Timeout', 'The request headers took too long to arrive.'],
};

/**
 * Requests Node's HTTP parser refuses before any route sees them (a malformed request line, headers
 * over the size limit, a request that never finishes) are answered in the same JSON shape as every
 * other error, instead of Node's bare text. A client that already hung up gets nothing.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // Nothing to say to a client that hung up, or in the middle of a response already begun.
  if (error.code === 'ECONNRESET' || !socket.writable || socket.bytesWritten > 0) {
    socket.destroy();
    return;
  }
  const [status, reason, detail] = ANSWERS[error.code ?? ''] ?? [400, 'Bad Request', 'The request could not be parsed.'];
  const body = JSON.stringify({ detail });
  // Closed once written: a client that stalls must not keep the connection (HTTP sockets are half-open otherwise).
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `connection: close\r\nx-content-type-options: nosniff\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
