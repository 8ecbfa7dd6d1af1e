/** A request file read, parsed and validated; every problem is a usage error naming the file. */
import { readFile } from 'node:fs/promises';
import {
  type FieldError,
  type ScaleOutRequest,
  validateRequest,
} from '../domain/request';
import { CliError, EXIT } from './errors';

export async function readRequestFile(
  file: string,
): Promise<{ raw: unknown; request: ScaleOutRequest }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(
      `cannot read request file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      EXIT.usage,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CliError(
      `request file ${file} is not valid JSON: ${(err as Error).message}`,
      EXIT.usage,
    );
  }
  const v = validateRequest(raw);
  if (!v.ok) throw invalidRequest(file, v.errors);
  return { raw, request: v.request };
}

export const invalidRequest = (file: string, errors: FieldError[]) =>
  new CliError(
    `invalid request ${file} (${errors.length} problem${errors.length === 1 ? '' : 's'}; nothing was started):\n${errors.map((e) => `  ${e.field}: ${e.message}`).join('\n')}`,
    EXIT.usage,
  );
