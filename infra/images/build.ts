// Builds the desktop image (deskport-desktop:latest) from Debian packages, without a registry, and
// only when its recipe changed: the image carries a label with the hash of the recipe files.
// Script: node --import tsx infra/images/build.ts [--force]   (starts dockerd first if needed)
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Docker from 'dockerode';
import { engineError, isNotFound, isUnreachable } from '../../agents/docker/engine.ts';

export const DESKTOP_IMAGE = 'deskport-desktop:latest';
export const RECIPE_LABEL = 'deskport.recipe-hash';

const here = dirname(fileURLToPath(import.meta.url));
const recipeDir = join(here, 'desktop');
/** Everything that decides the image's content. The Dockerfile (registry hosts) is not used here. */
const RECIPE_FILES = ['build.sh', 'packages.txt', 'deskport-desktop'] as const;
const DEFAULT_SOCKET = '/var/run/docker.sock';
const quiet: BuildLogger = { debug() {}, info() {} };

/** The part of a pino logger used here: milestones at info, debootstrap's few hundred lines at debug. */
export interface BuildLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
}

export interface BuildOptions {
  log?: BuildLogger;
  /** Rebuild even when an image with this recipe hash exists. */
  force?: boolean;
  image?: string;
  /** Default /var/run/docker.sock. At that default, an engine that does not answer is started with
   *  infra/docker.sh first, so `bin/deskport image build` works on a fresh machine. */
  socketPath?: string;
}

export interface BuildResult {
  image: string;
  hash: string;
  cached: boolean;
  seconds: number;
}

/** sha256 over each recipe file's name and content. Package versions are not part of it: a rebuild
 *  picks up Debian's current ones, a cached image keeps the ones it was built with. */
export async function recipeHash(): Promise<string> {
  const h = createHash('sha256');
  for (const name of RECIPE_FILES)
    h.update(`${name}\0`)
      .update(await readFile(join(recipeDir, name)))
      .update('\0');
  return h.digest('hex');
}

export async function buildDesktopImage(o: BuildOptions = {}): Promise<BuildResult> {
  const t0 = performance.now();
  const log = o.log ?? quiet;
  const image = o.image ?? DESKTOP_IMAGE;
  const socketPath = o.socketPath ?? DEFAULT_SOCKET;
  const docker = new Docker({ socketPath });
  const hash = await recipeHash();
  const seconds = (): number => Math.round((performance.now() - t0) / 100) / 10;

  const inspect = () =>
    docker
      .getImage(image)
      .inspect()
      .catch((err: unknown) => (isNotFound(err) ? null : Promise.reject(err)));
  const current = await inspect()
    .catch(async (err: unknown) => {
      if (!isUnreachable(err) || socketPath !== DEFAULT_SOCKET) throw err;
      await ensureDockerEngine(log);
      return inspect();
    })
    .catch((err: unknown) => Promise.reject(engineError(err, socketPath)));
  if (!o.force && current?.Config.Labels?.[RECIPE_LABEL] === hash) {
    log.info({ image, hash }, 'desktop image is up to date');
    return { image, hash, cached: true, seconds: seconds() };
  }
  log.info({ image, hash, replacing: current?.Id ?? null }, 'building the desktop image (debootstrap: a minute or two)');
  await runLogged('bash', [join(recipeDir, 'build.sh'), image, hash, ...(o.force ? ['--force'] : [])], log);

  // The previous image is now untagged; it goes unless a container still uses it.
  const built = await docker.getImage(image).inspect();
  if (current && current.Id !== built.Id)
    await docker
      .getImage(current.Id)
      .remove()
      .catch(() => undefined);
  log.info({ image, hash, seconds: seconds() }, 'desktop image built');
  return { image, hash, cached: false, seconds: seconds() };
}

/** Runs infra/docker.sh: installs docker.io and starts dockerd if no engine answers (idempotent). */
export async function ensureDockerEngine(log: BuildLogger = quiet): Promise<void> {
  await runLogged('bash', [join(here, '..', 'docker.sh')], log);
}

/** Runs a script, logging its own "build:"/"docker:" lines at info and everything else at debug. */
function runLogged(cmd: string, args: string[], log: BuildLogger): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const onLine = (line: string): void => {
      if (/^(build|docker): /.test(line)) log.info({}, line);
      else log.debug({}, line);
      tail.push(line);
      if (tail.length > 20) tail.shift();
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${args[0] ?? cmd} failed (${code ?? signal}):\n${tail.join('\n')}`));
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const force = process.argv.includes('--force');
  const log: BuildLogger = { debug() {}, info: (obj, msg) => console.log(msg ?? '', Object.keys(obj).length ? JSON.stringify(obj) : '') };
  try {
    const r = await buildDesktopImage({ log, force });
    console.log(`${r.image}: ${r.cached ? 'cached' : 'built'} in ${r.seconds} s (recipe ${r.hash.slice(0, 12)})`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
}
