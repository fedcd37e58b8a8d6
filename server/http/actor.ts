// The acting person of a request as the auth domain wants it: who, from where, with which credential.
import type { Request, Response } from 'express';
import type { Actor } from '../auth/users.ts';
import { clientAddress, principalOf } from './auth-middleware.ts';

export function actorOf(req: Request, res: Response): Actor {
  const { user, via } = principalOf(res);
  return { user, via, ip: clientAddress(req) };
}
