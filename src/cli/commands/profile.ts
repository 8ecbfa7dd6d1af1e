/**
 * profile from-kubespray|check|show: the cluster profiles an operator keeps on the worker
 * (src/domain/profile/profile.ts). from-kubespray makes one from a Kubespray inventory; check validates a
 * profile file before it goes into the profiles folder; show prints the profile the worker would use
 * (run where the worker's profiles folder is readable).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import {
  profileSettingsFromEnv,
  readClusterProfile,
} from '../../activities/profiles';
import {
  InventoryError,
  profileFromInventory,
} from '../../domain/kubespray/inventory/kubesprayInventory';
import {
  InventoryParseError,
  parseInventory,
} from '../../domain/kubespray/inventory/read';
import { validateProfile } from '../../domain/profile/profile';
import { NAME } from '../../domain/request/patterns';
import type { CliCommand, CliCommandGroup } from '../command';
import { CliError, EXIT } from '../errors';

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(
      `cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      EXIT.usage,
    );
  }
}

/** `inventory/prod/hosts.yaml` -> `prod`: Kubespray keeps one inventory folder per cluster. */
function clusterOf(inventory: string, given: unknown): string {
  const name =
    typeof given === 'string' ? given : basename(dirname(resolve(inventory)));
  if (!NAME.test(name))
    throw new CliError(
      `${typeof given === 'string' ? '--cluster' : `the inventory's folder name`} ${JSON.stringify(name)} is not a cluster name (1-63 lowercase letters, digits, ".", "_" or "-"): give --cluster NAME`,
      EXIT.usage,
    );
  return name;
}

const fromKubespray: CliCommand = {
  name: 'from-kubespray',
  args: ['<INVENTORY>'],
  summary:
    "print a cluster profile made from a Kubespray inventory (inventory.ini or hosts.yaml): the etcd group's hosts and addresses, Kubespray's paths",
  options: [
    [
      '--cluster <NAME>',
      "the cluster's name (default: the inventory's folder name)",
    ],
    [
      '--out <FILE>',
      'write the profile to FILE (never over an existing one) instead of printing it',
    ],
  ],
  async run([inventory], options, io) {
    const cluster = clusterOf(inventory, options.cluster);
    const text = await readText(inventory, 'inventory');
    let made: ReturnType<typeof profileFromInventory>;
    try {
      const parsed = parseInventory(text, inventory);
      made = profileFromInventory(parsed.inventory, cluster, parsed.format);
    } catch (err) {
      if (err instanceof InventoryError || err instanceof InventoryParseError)
        throw new CliError(`inventory ${inventory} ${err.message}`, EXIT.usage);
      throw err;
    }
    const json = `${JSON.stringify(made.profile, null, 2)}\n`;
    if (typeof options.out === 'string') {
      try {
        await writeFile(options.out, json, { flag: 'wx', mode: 0o644 });
      } catch (err) {
        throw new CliError(
          `cannot write ${options.out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
          EXIT.usage,
        );
      }
      io.err(`wrote the profile of cluster ${cluster} to ${options.out}`);
    } else io.out(json.trimEnd());
    for (const note of made.notes) io.err(`note: ${note}`);
    io.err(
      `put it on the worker as <ETCD_SCALEOUT_PROFILES_DIR>/${cluster}.json; check it there with: etcd-scaleout profile check FILE`,
    );
    return EXIT.ok;
  },
};

const check: CliCommand = {
  name: 'check',
  args: ['<PROFILE.json>'],
  summary:
    "validate a profile file: the same rules as the worker's (the file is named <cluster>.json)",
  options: [],
  async run([file], _options, io) {
    const cluster = basename(file).replace(/\.json$/, '');
    let raw: unknown;
    try {
      raw = JSON.parse(await readText(file, 'profile'));
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(
        `profile ${file} is not valid JSON: ${(err as Error).message}`,
        EXIT.usage,
      );
    }
    const v = validateProfile(raw, cluster);
    if (!v.ok)
      throw new CliError(
        `profile ${file} is invalid (${v.errors.length} problem${v.errors.length === 1 ? '' : 's'}):\n${v.errors.map((e) => `  ${e.field}: ${e.message}`).join('\n')}`,
        EXIT.usage,
      );
    io.out(
      `profile ${file}: cluster ${cluster}, ${v.profile.cluster.endpoints.length} endpoint(s), ok`,
    );
    return EXIT.ok;
  },
};

const show: CliCommand = {
  name: 'show',
  args: ['<CLUSTER>'],
  summary:
    'print the profile a worker with this environment would use (ETCD_SCALEOUT_PROFILES_DIR, ETCD_SCALEOUT_INLINE_SETTINGS)',
  options: [],
  async run([cluster], _options, io) {
    let settings: ReturnType<typeof profileSettingsFromEnv>;
    try {
      settings = profileSettingsFromEnv();
    } catch (err) {
      throw new CliError((err as Error).message, EXIT.usage);
    }
    try {
      const lookup = await readClusterProfile(settings, cluster);
      if (!lookup.profile)
        throw new CliError(
          `cluster ${cluster} has no profile here (${lookup.file})`,
          EXIT.notFound,
        );
      io.out(JSON.stringify(lookup, null, 2));
      return EXIT.ok;
    } catch (err) {
      if (err instanceof ApplicationFailure)
        throw new CliError(err.message, EXIT.usage);
      throw err;
    }
  },
};

export const profileCommands: CliCommandGroup = {
  name: 'profile',
  summary: 'cluster profiles kept on the worker: from-kubespray, check, show',
  subcommands: [fromKubespray, check, show],
};
