// `microscale image inspect|lint|badge REF`: image metadata straight from a registry (or the local
// Docker Engine). Exit 0 ok, 1 when the registry fails or lint finds errors, 2 for a bad reference or flag.
import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { parseDurationMs } from '../../config/duration.js';
import { badgeFor, BADGE_KINDS, isBadgeKind, renderSvg, shieldsEndpoint } from '../../metadata/badge.js';
import { RegistryError } from '../../metadata/errors.js';
import type { ImageMetadata } from '../../metadata/image.js';
import { lintLabels } from '../../metadata/lint.js';
import { parsePlatform } from '../../metadata/platform.js';
import { describeImage, describeLint } from '../../metadata/present.js';
import { IMAGE_SOURCES, readImage, type ImageSource } from '../../metadata/read.js';
import { parseReference } from '../../metadata/reference.js';
import { RegistryClient } from '../../metadata/registry-client.js';
import { EXIT, UsageError } from '../exit.js';
import { registerImageWatch } from './image-watch.js';

interface ImageCliOptions {
  readonly json?: boolean;
  readonly platform?: string;
  readonly from: ImageSource;
  readonly timeout: string;
}

function common(command: Command): Command {
  return command
    .option('--json', 'print JSON')
    .option('--platform <os/arch[/variant]>', 'which image of a multi-platform index', 'linux/amd64')
    .addOption(
      new Option('--from <where>', 'registry, engine (local Docker Engine) or auto (registry, then engine)')
        .choices(IMAGE_SOURCES)
        .default('auto'),
    )
    .option('--timeout <duration>', 'per registry request', '10s');
}

async function load(reference: string, options: ImageCliOptions): Promise<ImageMetadata> {
  const platform = parsePlatform(options.platform ?? 'linux/amd64');
  if (!platform) throw new UsageError(`--platform: expected os/arch or os/arch/variant (e.g. linux/arm64/v8), got "${options.platform}"`);
  const timeoutMs = parseDurationMs(options.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0)
    throw new UsageError(`--timeout: expected a duration like 500ms or 10s, got "${options.timeout}"`);
  try {
    return await readImage(reference, { from: options.from, platform, client: new RegistryClient({ timeoutMs }) });
  } catch (error) {
    // A reference that cannot be parsed is bad input (exit 2); a registry failure is a runtime one (exit 1).
    if (error instanceof RegistryError && error.failure === 'bad-reference') throw new UsageError(error.message);
    throw error;
  }
}

export function registerImage(program: Command): void {
  const image = program
    .command('image')
    .description('image metadata straight from the registry: inspect, digest, lint, badge, watch')
    .addHelpText(
      'after',
      '\nExamples:\n  microscale image inspect 127.0.0.1:5000/demo/app:v1\n  microscale image lint acme/app:1.4 --strict',
    );
  common(image.command('inspect').argument('<ref>', 'image reference, e.g. ghcr.io/acme/app:1.4 or busybox@sha256:…'))
    .description('digest, platform, created, size, layers, labels and annotations; OCI and label-schema keys side by side')
    .addHelpText(
      'after',
      '\nExamples:\n  microscale image inspect 127.0.0.1:5000/demo/app:v1\n' +
        '  microscale image inspect acme/app:1.4 --platform linux/arm64 --json',
    )
    .action(async (reference: string, options: ImageCliOptions) => {
      const metadata = await load(reference, options);
      console.log(options.json ? JSON.stringify(metadata, null, 2) : describeImage(metadata));
    });
  image
    .command('digest')
    .argument('<ref>', 'image reference')
    .description('the digest a tag points to, with one HEAD request (nothing is downloaded)')
    .option('--timeout <duration>', 'per registry request', '10s')
    .addHelpText('after', '\nExample:\n  microscale image digest 127.0.0.1:5000/demo/app:v1   # sha256:...')
    .action(async (reference: string, options: { timeout: string }) => {
      const timeoutMs = parseDurationMs(options.timeout);
      if (timeoutMs === undefined || timeoutMs <= 0)
        throw new UsageError(`--timeout: expected a duration like 500ms or 10s, got "${options.timeout}"`);
      let ref;
      try {
        ref = parseReference(reference);
      } catch (error) {
        throw error instanceof RegistryError ? new UsageError(error.message) : error;
      }
      console.log((await new RegistryClient({ timeoutMs }).headDigest(ref)).digest);
    });
  common(image.command('lint').argument('<ref>', 'image reference'))
    .description('check labels against Docker key rules, label-schema 1.0, OCI annotations and io.microscale.* keys; exit 1 on errors')
    .option('--strict', 'warnings fail too')
    .addHelpText('after', '\nExample (CI):\n  microscale image lint registry.example.com/acme/app:$GIT_SHA || exit 1')
    .action(async (reference: string, options: ImageCliOptions & { strict?: boolean }) => {
      const metadata = await load(reference, options);
      const findings = lintLabels(metadata.labels, metadata.annotations);
      console.log(
        options.json
          ? JSON.stringify({ reference: metadata.name, digest: metadata.digest, findings }, null, 2)
          : describeLint(metadata.name, findings),
      );
      if (findings.some((f) => f.severity === 'error' || options.strict)) process.exitCode = EXIT.failure;
    });
  common(image.command('badge').argument('<ref>', 'image reference'))
    .description('a README badge: SVG, or shields.io endpoint JSON with --json')
    .addOption(new Option('--kind <kind>', 'what the badge shows').choices(BADGE_KINDS).default('image'))
    .option('--out <file>', 'write to a file instead of stdout')
    .addHelpText('after', '\nExample:\n  microscale image badge acme/app:1.4 --kind version --out version.svg')
    .action(async (reference: string, options: ImageCliOptions & { kind: string; out?: string }) => {
      if (!isBadgeKind(options.kind)) throw new UsageError(`--kind: expected one of ${BADGE_KINDS.join(', ')}`);
      const badge = badgeFor(options.kind, await load(reference, options));
      const text = options.json ? `${JSON.stringify(shieldsEndpoint(badge))}\n` : renderSvg(badge);
      if (options.out) await writeFile(options.out, text);
      else process.stdout.write(text);
    });
  registerImageWatch(image);
}
