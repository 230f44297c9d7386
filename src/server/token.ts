/**
 * The token a server reachable beyond this machine requires (as Jupyter does): random unless
 * chosen, printed in the address `latentlab serve` shows, and asked of every API call and event
 * stream, as `Authorization: Bearer <token>` or as a `token` query parameter (an EventSource or
 * an <img> cannot set headers). The page's own files stay public, so that it can load and read
 * the token from its address.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../util/http-error.js';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** Whether an address to bind reaches this machine only: 127.0.0.0/8, ::1 (bracketed or not) or localhost. */
export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  const family = isIP(h);
  if (family === 4) return loopback.check(h, 'ipv4');
  if (family === 6) return loopback.check(h, 'ipv6') || /^::ffff:127\./.test(h);
  return false;
}

/** A fresh random token: 24 bytes, URL-safe base64 (32 characters). */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Whether `given` is the token, compared in constant time (of equal-length digests, so the length does not leak either). */
export function tokenMatches(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

/** The token a request carries: its Authorization: Bearer header, or else its `token` query parameter. */
export function requestToken(req: FastifyRequest): string | null {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (bearer) return bearer[1]!.trim();
  const query = req.url.indexOf('?');
  return query < 0 ? null : new URLSearchParams(req.url.slice(query + 1)).get('token');
}

/** Whether a request reaches the API (JSON and event streams) rather than the page's own files. */
function isApi(req: FastifyRequest): boolean {
  const path = req.url.split('?')[0]!;
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // a malformed escape: judged as it is
  }
  const route = req.routeOptions.url ?? '';
  return [path, decoded, route].some((p) => p === '/api' || p.startsWith('/api/'));
}

export const TOKEN_MESSAGE =
  'this server needs its token: open the URL it printed (…?token=…), or send Authorization: Bearer <token>';

/** Refuses (401) an API request that lacks the token or carries another. */
export function guardToken(req: FastifyRequest, reply: FastifyReply, token: string): void {
  if (!isApi(req)) return;
  const given = requestToken(req);
  if (given !== null && tokenMatches(given, token)) return;
  void reply.header('www-authenticate', 'Bearer realm="latentlab"');
  throw new HttpError(401, TOKEN_MESSAGE);
}
