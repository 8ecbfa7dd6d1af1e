/**
 * gRPC status codes by name, and the code of an error from the Temporal client (which wraps the
 * gRPC error in its own errors' `cause`).
 */
import { status } from '@grpc/grpc-js';
import { isGrpcServiceError } from '@temporalio/client';

export { status as GrpcStatus };

/** The gRPC status code found on the error or its causes (at most a few levels deep). */
export function grpcCode(err: unknown): number | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e; depth++) {
    if (isGrpcServiceError(e)) return e.code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The server's own words for a refused call (the gRPC `details`), when there are any. */
export function grpcDetails(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e; depth++) {
    if (isGrpcServiceError(e)) return e.details || undefined;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The server did not answer at all, or not in time. */
export const isUnreachable = (err: unknown): boolean => {
  const code = grpcCode(err);
  return code === status.UNAVAILABLE || code === status.DEADLINE_EXCEEDED;
};
