// The routes an express app really serves, read from its router stack (the truth, unlike a list
// kept by hand or the OpenAPI summary): method, full path pattern and parameter names. Used by the
// malformed-request corpus (test/integration/malformed-requests.test.ts).
import type { Express } from 'express';

export interface RouteInfo {
  method: string;
  /** An express path pattern ('/api/v1/sessions/:id') or, for a regular-expression route, the RegExp. */
  path: string | RegExp;
  params: string[];
}

interface LayerLike {
  route?: { path: string | RegExp; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
  rawPath?: unknown;
  slash?: boolean;
}

export function listRoutes(app: Express): RouteInfo[] {
  const out: RouteInfo[] = [];
  const walk = (stack: LayerLike[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const p = layer.route.path;
        const path = typeof p === 'string' ? prefix + p : p;
        const params = typeof path === 'string' ? [...path.matchAll(/[:*](\w+)/g)].map((m) => m[1]!) : [];
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on && method !== '_all') out.push({ method: method.toUpperCase(), path, params });
      } else if (layer.handle?.stack) {
        // A mounted router: its routes are relative to the mount path (none for `use(router)`).
        if (!layer.slash && typeof layer.rawPath !== 'string')
          throw new Error(`router mounted on a non-string path: ${String(layer.rawPath)}`);
        walk(layer.handle.stack, layer.slash ? prefix : prefix + String(layer.rawPath));
      }
    }
  };
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack, '');
  return out;
}

/** Fills every parameter of an express path pattern: `fill(name)` gives the raw (already encoded) segment. */
export function fillPath(path: string, fill: (param: string) => string): string {
  return path.replace(/[:*](\w+)/g, (_m, name: string) => fill(name));
}
