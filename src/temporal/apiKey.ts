const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** An API key that never prints itself: logs, errors and JSON show where it came from instead. */
export class ApiKey {
  readonly #value: string;
  constructor(
    value: string,
    readonly source: string,
  ) {
    this.#value = value;
  }
  /** The key itself, for the connection only. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return `(API key from ${this.source})`;
  }
  toJSON(): string {
    return this.toString();
  }
  [INSPECT](): string {
    return this.toString();
  }
}
