// Every route of /api/v1, described once (contract/api/route.ts). A test compares this list with the
// routes the gateway really serves, so an undocumented route fails the suite.
import { ROUTES as admin } from './admin.ts';
import { ROUTES as audio } from './audio.ts';
import { ROUTES as auth } from './auth.ts';
import { ROUTES as desktops } from './desktops.ts';
import { ROUTES as files } from './files.ts';
import { ROUTES as machines } from './machines.ts';
import { ROUTES as recordings } from './recordings.ts';
import { ROUTES as snapshots } from './snapshots.ts';
import type { RouteDoc } from './route.ts';

export const API_ROUTES: readonly RouteDoc[] = [
  ...auth,
  ...desktops,
  ...snapshots,
  ...files,
  ...machines,
  ...admin,
  ...recordings,
  ...audio,
];
