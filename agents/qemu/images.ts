// VM base images without a registry: built by a recipe in infra/images/<kind>/ into a cache dir keyed
// by the recipe's hash (<root>/<kind>-<hash16>/), so a rebuild never changes the base a running VM's
// overlay sits on. Also resolves what a desktop spec's `image` names into files QEMU boots.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const recipes = resolve(dirname(fileURLToPath(import.meta.url)), '../../infra/images');

/** The image kinds a recipe builds, with the files that decide their content. */
export const VM_KINDS = {
  'vm-test': ['build.sh', 'rcS', 'console', 'network', 'network-lease', 'inittab', 'banner'],
  vm: ['build.sh', 'deskport-init', 'session', 'packages.txt'],
} as const;
export type VmKind = keyof typeof VM_KINDS;
/** The kinds whose guest can serve RDP (deskport.protocol=rdp); an admin's own qcow2 base is trusted to. */
export const RDP_KINDS: readonly string[] = ['vm'];
/** Why an image cannot serve protocol 'rdp', or null when it can. */
export const rdpRefusal = (ref: string): string | null =>
  ref.startsWith('/') || RDP_KINDS.includes(ref)
    ? null
    : `image ${ref} serves VNC only; RDP VMs need the vm image or an own base image with an RDP server`;

export const defaultImageRoot = (): string => join(homedir(), '.cache', 'deskport', 'vm-images');

export interface ImageLogger {
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** What QEMU boots: a kernel and initrd given directly (the test image), or a disk with its own loader. */
export interface BootImage {
  name: string;
  /** The read-only base every desktop's qcow2 overlay is created on. */
  disk: string;
  kernel?: string;
  initrd?: string;
  append?: string;
  /** A line the guest writes on its serial console once its display is up. */
  readyMarker?: string;
}

const manifestSchema = z.object({
  kind: z.string().max(32),
  recipeHash: z.string().max(128),
  disk: z.string().regex(/^[a-z0-9.-]{1,64}$/),
  kernel: z
    .string()
    .regex(/^[a-z0-9.-]{1,64}$/)
    .optional(),
  initrd: z
    .string()
    .regex(/^[a-z0-9.-]{1,64}$/)
    .optional(),
  append: z.string().max(1024).optional(),
  readyMarker: z.string().min(1).max(200).optional(),
});

export async function recipeHash(kind: VmKind): Promise<string> {
  const h = createHash('sha256');
  for (const name of VM_KINDS[kind])
    h.update(`${name}\0`)
      .update(await readFile(join(recipes, kind, name)))
      .update('\0');
  return h.digest('hex');
}

export const imageDirOf = (root: string, kind: VmKind, hash: string): string => join(root, `${kind}-${hash.slice(0, 16)}`);

export const isVmKind = (name: string): name is VmKind => Object.hasOwn(VM_KINDS, name);

/** A spec's image: a kind this repository builds, or an admin's own qcow2 base by absolute path. */
export const IMAGE_REF =
  /^(?:[a-z][a-z0-9-]{0,31}|\/(?:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}\/){0,16}[A-Za-z0-9_][A-Za-z0-9._-]{0,127}\.qcow2)$/;

/** Resolves an image reference to the files QEMU boots, or rejects saying how to get them. */
export async function resolveBootImage(ref: string, root: string): Promise<BootImage> {
  if (ref.startsWith('/')) {
    if (ref.split('/').includes('..')) throw new Error(`image ${ref}: no ".." in a base image path`);
    const s = await stat(ref).catch(() => null);
    if (!s?.isFile()) throw new Error(`base image ${ref} not found on this host`);
    return { name: ref, disk: ref };
  }
  if (!isVmKind(ref)) throw new Error(`unknown VM image ${JSON.stringify(ref)}: use vm, vm-test or an absolute path to a qcow2 base image`);
  const dir = imageDirOf(root, ref, await recipeHash(ref));
  const raw = await readFile(join(dir, 'image.json'), 'utf8').catch(() => null);
  if (raw === null) throw new Error(`VM image ${ref} is not built on this host: run bin/deskport image build --kind ${ref}`);
  let m: z.infer<typeof manifestSchema>;
  try {
    m = manifestSchema.parse(JSON.parse(raw));
  } catch {
    throw new Error(`VM image ${ref} in ${dir} has a damaged image.json: rebuild it with bin/deskport image build --kind ${ref} --force`);
  }
  const image: BootImage = { name: ref, disk: join(dir, m.disk) };
  if (m.kernel) image.kernel = join(dir, m.kernel);
  if (m.initrd) image.initrd = join(dir, m.initrd);
  if (m.append) image.append = m.append;
  if (m.readyMarker) image.readyMarker = m.readyMarker;
  for (const file of [image.disk, image.kernel, image.initrd]) {
    if (file && !(await stat(file).catch(() => null))?.isFile())
      throw new Error(`VM image ${ref} is incomplete (${file} is missing): rebuild it with bin/deskport image build --kind ${ref} --force`);
  }
  return image;
}

export interface VmBuildResult {
  kind: VmKind;
  dir: string;
  hash: string;
  cached: boolean;
  seconds: number;
}

/** Builds the image of this kind unless the cache already has this recipe's build. */
export async function buildVmImage(o: { kind: VmKind; root?: string; force?: boolean; log?: ImageLogger }): Promise<VmBuildResult> {
  const t0 = performance.now();
  const root = o.root ?? defaultImageRoot();
  const hash = await recipeHash(o.kind);
  const dir = imageDirOf(root, o.kind, hash);
  const seconds = (): number => Math.round((performance.now() - t0) / 100) / 10;
  if (!o.force && (await stat(join(dir, 'image.json')).catch(() => null))) {
    o.log?.info({ dir }, `VM image ${o.kind} is up to date`);
    return { kind: o.kind, dir, hash, cached: true, seconds: seconds() };
  }
  o.log?.info({ dir }, `building VM image ${o.kind}`);
  await run('bash', [join(recipes, o.kind, 'build.sh'), dir, hash, ...(o.force ? ['--force'] : [])], o.log);
  return { kind: o.kind, dir, hash, cached: false, seconds: seconds() };
}

/** Runs a build script: its "build:" lines at info, the rest at debug, the tail in the error. */
function run(cmd: string, args: string[], log?: ImageLogger): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const onLine = (line: string): void => {
      if (line.startsWith('build: ')) log?.info({}, line);
      else log?.debug({}, line);
      tail.push(line.slice(0, 500));
      if (tail.length > 20) tail.shift();
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`${args[0] ?? cmd} failed (${code ?? signal}):\n${tail.join('\n')}`));
    });
  });
}
