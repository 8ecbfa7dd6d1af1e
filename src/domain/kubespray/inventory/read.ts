/**
 * A Kubespray inventory file's text, in either of Ansible's forms: INI (Kubespray's sample
 * `inventory.ini`) or YAML (`hosts.yaml`), parsed to the YAML form's object. Pure.
 */
import { parse as parseYaml } from 'yaml';
import { InventorySyntaxError, parseIniInventory } from './ini';

export type InventoryFormat = 'ini' | 'yaml';
export const INVENTORY_FORMATS = ['ini', 'yaml'] as const;

/**
 * The form of an inventory: by its extension (`.ini` INI; `.yaml`, `.yml`, `.json` YAML), else by its
 * first line that is not blank or a comment: a `[section]` header or a host line is INI, a mapping
 * (`all:`), a document marker or JSON is YAML. Ansible names no extension for INI (`hosts` is common).
 */
export function inventoryFormatOf(file: string, text: string): InventoryFormat {
  const ext = /\.([A-Za-z]+)$/.exec(file)?.[1]?.toLowerCase();
  if (ext === 'ini') return 'ini';
  if (ext === 'yaml' || ext === 'yml' || ext === 'json') return 'yaml';
  const first = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('#') && !l.startsWith(';'));
  if (!first) return 'yaml';
  if (/^\[[^\]]+\]\s*([#;].*)?$/.test(first)) return 'ini';
  if (/^(---|\{|[A-Za-z0-9_.-]+:(\s|$))/.test(first)) return 'yaml';
  return 'ini';
}

/** Why an inventory's text cannot be read: `where` is `file:line` when a line is to blame. */
export class InventoryParseError extends Error {
  constructor(
    readonly format: InventoryFormat,
    message: string,
  ) {
    super(message);
    this.name = 'InventoryParseError';
  }
}

/** The inventory's form and its YAML-shaped object; InventoryParseError names the line and why. */
export function parseInventory(
  text: string,
  file: string,
): { format: InventoryFormat; inventory: unknown } {
  const format = inventoryFormatOf(file, text);
  try {
    return {
      format,
      inventory:
        format === 'ini' ? parseIniInventory(text, file) : parseYaml(text),
    };
  } catch (err) {
    if (err instanceof InventorySyntaxError)
      throw new InventoryParseError(
        format,
        `is not a valid INI inventory: ${err.message}`,
      );
    throw new InventoryParseError(
      format,
      `is not valid YAML: ${(err as Error).message}`,
    );
  }
}
