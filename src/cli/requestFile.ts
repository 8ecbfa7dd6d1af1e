/** A request file read, parsed and validated; every problem is a usage error naming the file. */
import { readFile } from 'node:fs/promises';
import type { FieldError } from '../domain/request/request';
import {
  type SubmittedRequest,
  validateSubmittedRequest,
} from '../domain/request/submittedRequest';
import { CliError, EXIT } from './errors';

/** The file's JSON, not yet validated (a scale-in's and a scale-out's are validated differently). */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(
      `cannot read request file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      EXIT.usage,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(
      `request file ${file} is not valid JSON: ${(err as Error).message}`,
      EXIT.usage,
    );
  }
}

export async function readRequestFile(
  file: string,
  json?: unknown,
): Promise<{ raw: unknown; submitted: SubmittedRequest }> {
  const raw = json ?? (await readJsonFile(file));
  const v = validateSubmittedRequest(raw);
  if (!v.ok) throw invalidRequest(file, v.errors);
  return { raw, submitted: v };
}

export const invalidRequest = (file: string, errors: FieldError[]) =>
  new CliError(
    `invalid request ${file} (${errors.length} problem${errors.length === 1 ? '' : 's'}; nothing was started):\n${errors.map((e) => `  ${e.field}: ${e.message}`).join('\n')}`,
    EXIT.usage,
  );
