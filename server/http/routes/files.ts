// /api/v1/sessions/:id/files: the file panel's API (contract/api/files.ts). Validates the query at
// the edge and streams bodies through server/files/transfers.ts; uploads need Content-Length.
import { Router } from 'express';
import { DownloadTicketBody, FileDownloadQuery, FileListQuery, FileUploadQuery } from '../../../contract/api/files.ts';
import { checkPath, uploadNameProblem } from '../../../contract/file-paths.ts';
import { Id } from '../../../contract/ids.ts';
import { createDownloadTickets, type DownloadTicketsOptions } from '../../files/download-tickets.ts';
import type { FileTransfers } from '../../files/transfers.ts';
import { clientAddress, principalOf } from '../auth-middleware.ts';
import { HttpError } from '../errors.ts';
import { parse } from '../validate.ts';

function homePath(raw: string | undefined, what: string): string {
  const p = raw ?? '';
  const c = checkPath(p);
  if (!c.ok) throw new HttpError(400, 'invalid_path', `The ${what} is not allowed: ${c.reason}.`);
  return p;
}

export function createFilesRouter(files: FileTransfers, ticketOptions: Omit<DownloadTicketsOptions, 'files'>): Router {
  const r = Router();
  const tickets = createDownloadTickets({ ...ticketOptions, files });
  const sessionId = (raw: unknown) => parse(Id, raw, 'session id');
  const actor = (req: Parameters<typeof clientAddress>[0], res: Parameters<typeof principalOf>[0]) => ({
    user: principalOf(res).user,
    ip: clientAddress(req),
  });

  r.get('/sessions/:id/files', async (req, res) => {
    const q = parse(FileListQuery, req.query, 'query');
    res.set('Cache-Control', 'no-store');
    res.json(await files.list(actor(req, res), sessionId(req.params.id), homePath(q.path, 'folder')));
  });

  r.put('/sessions/:id/files/content', async (req, res) => {
    const q = parse(FileUploadQuery, req.query, 'query');
    const path = homePath(q.path, 'folder');
    const why = uploadNameProblem(q.name);
    if (why) throw new HttpError(400, 'invalid_name', `The file name is not allowed: ${why}. Rename the file and try again.`);
    const length = req.headers['content-length'];
    // Chunked bodies have no size to check against the policy before the first byte is stored.
    if (length === undefined || !/^\d{1,15}$/.test(length))
      throw new HttpError(411, 'length_required', 'An upload needs a Content-Length header.');
    if (req.is('application/json')) throw new HttpError(415, 'invalid_input', 'Send the file as application/octet-stream.');
    const stored = await files.upload(actor(req, res), sessionId(req.params.id), { path, name: q.name, size: Number(length) }, req);
    res.status(201).json(stored);
  });

  r.get('/sessions/:id/files/content', async (req, res) => {
    const q = parse(FileDownloadQuery, req.query, 'query');
    const path = homePath(q.path, 'file path');
    if (path === '') throw new HttpError(400, 'invalid_path', 'Name a file to download.');
    await files.download(actor(req, res), sessionId(req.params.id), path, res);
  });

  r.post('/sessions/:id/files/downloads', async (req, res) => {
    const b = parse(DownloadTicketBody, req.body, 'body');
    const path = homePath(b.path, 'file path');
    if (path === '') throw new HttpError(400, 'invalid_path', 'Name a file to download.');
    res.set('Cache-Control', 'no-store');
    res.status(201).json(await tickets.issue(actor(req, res), sessionId(req.params.id), path));
  });

  r.get('/sessions/:id/files/downloads/:ticket', async (req, res) => {
    await tickets.stream(actor(req, res), sessionId(req.params.id), req.params.ticket, res);
  });

  r.get('/sessions/:id/files/downloads/:ticket/status', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json(await tickets.status(actor(req, res), sessionId(req.params.id), req.params.ticket));
  });

  r.delete('/sessions/:id/files/downloads/:ticket', async (req, res) => {
    res.json(await tickets.cancel(actor(req, res), sessionId(req.params.id), req.params.ticket));
  });

  return r;
}
